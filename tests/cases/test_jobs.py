"""The upload's import really runs on the job queue (the embedded worker, a thread of this
process): the page polls its progress, the job commits with the data, and a failing job
leaves a readable row and no data.

These tests commit for real, on a database of their own (SQLite, and PostgreSQL when
configured), like a running portal."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bench.cases import signal_file
from portal import create_app
from portal.accounts.models import Organisation
from portal.cases import intake
from portal.cases.models import Case, ImportJob
from portal.extensions import db
from tests.conftest import Client, make_test_config, migrate


@pytest.fixture
def live(backend, databases, tmp_path) -> Iterator:
    url = databases.fresh(backend, "jobs")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path / "instance", JOBS_INLINE=False))
    app.test_client_class = Client
    yield app
    app.extensions["kp_jobs"].stop_embedded()
    app.extensions["kp_db"].engine.dispose()


def signed_in_client(app):
    from portal.accounts.mfa import new_secret
    from portal.accounts.models import User, UserRole
    from portal.accounts.passwords import hash_password
    from portal.accounts.service import set_totp_secret
    from portal.accounts.sessions import signed_in_values
    from portal.db import utcnow

    with app.app_context():
        org = Organisation(slug="corporatie", name="Woonstichting")
        user = User(
            organisation=org,
            email="w@corporatie.example",
            display_name="W",
            password_hash=hash_password("pw"),
        )
        user.role_rows = [UserRole(role="caseworker")]
        db.session.add(user)
        db.session.flush()
        set_totp_secret(user, new_secret(), utcnow())
        db.session.commit()
        client = app.test_client()
        with app.test_request_context(environ_base=client.environ_base):
            values = signed_in_values(user, now=utcnow(), method="test")
    with client.session_transaction() as sess:
        sess.update(values)
    return client


def upload(client, data: bytes):
    token = client.csrf_token("/casussen/import")
    return client.post(
        "/casussen/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "signalen.csv")},
        content_type="multipart/form-data",
    )


def poll(client, job_url: str, timeout: float = 120) -> list[str]:
    """Poll the progress fragment like htmx does, until it sends the browser on."""
    fragments = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"{job_url}/voortgang", headers={"HX-Request": "true"})
        assert response.status_code == 200
        if "HX-Redirect" in response.headers:
            return fragments
        fragments.append(response.get_data(as_text=True))
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_upload_imports_in_the_background_and_shows_progress(live, monkeypatch):
    """The upload answers while the import is still held back (so it cannot have waited for
    it), then the page follows the job to its end."""
    client = signed_in_client(live)
    release = threading.Event()

    def held(*args, **kwargs):
        release.wait(120)  # a safety valve only: the test releases it at once
        return intake.import_signals(*args, **kwargs)

    monkeypatch.setattr("portal.cases.jobs.import_signals", held)
    response = upload(client, signal_file(2_000))
    assert response.status_code == 303
    with live.app_context():
        assert db.session.scalars(select(ImportJob)).one().status != "done"
    job_url = response.headers["Location"]
    waiting = client.get(f"{job_url}/voortgang", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in waiting.get_data(as_text=True)
    release.set()
    poll(client, job_url)
    page = client.get(job_url).get_data(as_text=True)
    assert "2000 nieuwe casussen" in page
    with live.app_context():
        job = db.session.scalars(select(ImportJob)).one()
        assert job.status == "done" and job.processed_rows == 2_000 and len(job.report) == 2_000
        assert db.session.scalar(select(func.count(Case.id))) == 2_000


def test_a_failing_job_stores_nothing_and_says_so(live, monkeypatch):
    client = signed_in_client(live)

    def broken(*args, **kwargs):
        progress = kwargs["progress"]
        progress(1)
        raise RuntimeError("disk full")

    monkeypatch.setattr("portal.cases.jobs.import_signals", broken)
    response = upload(client, signal_file(10))
    poll(client, response.headers["Location"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het importeren ging mis. Er is niets opgeslagen." in page
    assert "disk full" not in page
    with live.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0
        assert db.session.scalars(select(ImportJob)).one().status == "failed"
    assert intake.import_signals is not broken
