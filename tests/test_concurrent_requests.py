"""Many requests at once, as two app workers with threads each serve them: nobody gets an
error, on SQLite too (the embedded default), and every page view is in the audit log.

Two apps on one database stand for two gunicorn workers (two engines, two connection
pools); threads in each stand for a threaded server. Each thread reads pages that show
personal data (every view writes an audit event) and records contact attempts (a change and
its audit event in one transaction).
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal import create_app
from portal.accounts.models import User
from portal.accounts.sessions import signed_in_values
from portal.audit import verify as audit_verify
from portal.audit.models import AuditEvent
from portal.audit.service import seal
from portal.cases.models import Case, ContactAttempt
from portal.db import utcnow, write_lock
from portal.demo import load_demo
from portal.extensions import db
from portal.workdays import local_today
from tests.conftest import Client, make_test_config, migrate

THREADS_PER_WORKER = 4
ROUNDS = 6


def test_concurrent_requests_on_two_workers_all_succeed(backend, databases, tmp_path):
    url = databases.fresh(backend, "concurrent")
    migrate(url)
    workers = [
        create_app(make_test_config(url, tmp_path / "instance", JOBS_INLINE=True)) for _ in range(2)
    ]
    for app in workers:
        app.test_client_class = Client
    with workers[0].app_context():
        load_demo(db.session)
        db.session.commit()
        user = db.session.scalar(select(User).where(User.email == "sanne@corporatie.example"))
        case_id = db.session.scalar(
            select(Case.id).where(Case.organisation_id == user.organisation_id).limit(1)
        )
    start = threading.Barrier(len(workers) * THREADS_PER_WORKER)
    statuses: list[int] = []
    failures: list[BaseException] = []

    def browse(app) -> None:
        try:
            client = app.test_client()
            with app.test_request_context(environ_base=client.environ_base):
                values = signed_in_values(
                    db.session.get(User, user.id), now=utcnow(), method="test"
                )
            with client.session_transaction() as browser:
                browser.update(values)
            page = client.get(f"/casussen/{case_id}")
            assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
            token = client.csrf_token(f"/casussen/{case_id}")
            start.wait()
            for _ in range(ROUNDS):
                statuses.append(client.get(f"/casussen/{case_id}").status_code)
                statuses.append(client.get("/casussen").status_code)
                form = {
                    "csrf_token": token,
                    "attempted_on": str(local_today()),
                    "channel": "phone",
                    "outcome": "not_reached",
                }
                statuses.append(
                    client.post(f"/casussen/{case_id}/contactpogingen/nieuw", data=form).status_code
                )
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=browse, args=(app,))
        for app in workers
        for _ in range(THREADS_PER_WORKER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    requests = len(threads) * ROUNDS
    assert sorted(set(statuses)) == [200, 303], statuses
    with workers[0].app_context(), write_lock():
        session = db.session
        attempts = session.scalar(
            select(func.count(ContactAttempt.id)).where(ContactAttempt.case_id == case_id)
        )
        views = session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.case_id == case_id, AuditEvent.action == "case.view"
            )
        )
        seal(session)
        session.commit()
        verdict = audit_verify.verify(session, {})
    for app in workers:
        app.extensions["kp_db"].engine.dispose()
    assert attempts >= requests  # the demo case may hold attempts of its own
    assert views >= requests  # one per case page view (the CSRF page views add theirs)
    assert verdict.ok and verdict.pending == 0
