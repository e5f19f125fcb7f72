"""Two app servers (gunicorn, two workers each) against one database and one Redis, as the
README's production section sets them up: a rate limit counts across both, a session made
on one is valid on the other, and a referral accepted on one is accepted on the other, where
the same stale click is refused."""

from __future__ import annotations

import html
import re

import pytest
import requests
from sqlalchemy import func, select

from handover.models import Referral
from portal.accounts import mfa
from portal.accounts.models import User
from portal.accounts.service import totp_secret
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db
from tests.jobs.conftest import (
    NEEDS_REDIS,
    REDIS_URL,
    free_port,
    process_env,
    start,
    stop,
    wait_for,
)

pytestmark = NEEDS_REDIS


def _hidden(page: str, action: str) -> dict[str, str]:
    """The hidden fields (CSRF token, version) of the form posting to ``action``."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form for {action}"
    fields = re.findall(r'<input[^>]*type="hidden"[^>]*>', form.group(1))
    found = {}
    for field in fields:
        name = re.search(r'name="([^"]+)"', field)
        value = re.search(r'value="([^"]*)"', field)
        if name and value:
            found[name.group(1)] = html.unescape(value.group(1))
    return found


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url).text
    return html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))


def _sign_in(session: requests.Session, base: str, email: str, secret: str) -> None:
    form = {"csrf_token": _token(session, f"{base}/inloggen"), "email": email}
    answer = session.post(f"{base}/inloggen", data={**form, "password": DEMO_PASSWORD})
    assert answer.url.endswith("/inloggen/code"), answer.url
    code = mfa.current_code(secret, utcnow())
    token = _token(session, f"{base}/inloggen/code")
    answer = session.post(f"{base}/inloggen/code", data={"csrf_token": token, "code": code})
    assert answer.status_code == 200 and "Mijn werk" in answer.text


def _accepts() -> int:
    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == "referral.accept")
    return db.session.scalar(query) or 0


@pytest.fixture
def servers(make_app, namespace, tmp_path):
    app = make_app(JOBS_BROKER_URL=REDIS_URL, JOBS_NAMESPACE=namespace)
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
    bases, processes = [], []
    for n in (1, 2):
        port = free_port()
        env = process_env(
            app,
            REDIS_URL=REDIS_URL,
            RATELIMIT_KEY_PREFIX=namespace,
            LOGIN_RATELIMIT="4 per minute",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            GUNICORN_ACCESS_LOG="",
        )
        command = ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
        processes.append(start(command, env, tmp_path / f"server-{n}.log"))
        bases.append(f"http://127.0.0.1:{port}")

    def up(base: str) -> bool:
        try:
            return requests.get(f"{base}/inloggen", timeout=30).status_code == 200
        except requests.RequestException:  # not listening yet, or its workers still boot
            return False

    try:
        for base in bases:
            wait_for(lambda base=base: up(base), "an app server", 60)
        yield app, bases
    finally:
        for process in processes:
            stop(process)


def test_a_rate_limit_counts_across_both_servers(servers):
    _app, (one, two) = servers
    statuses = []
    for attempt in range(5):
        base = (one, two)[attempt % 2]
        browser = requests.Session()
        form = {"csrf_token": _token(browser, f"{base}/inloggen")}
        form |= {"email": "nobody@example.org", "password": "wrong"}
        statuses.append(browser.post(f"{base}/inloggen", data=form).status_code)
    # Four attempts a minute from this address, counted together: the fifth is refused,
    # on the other server than the fourth.
    assert statuses[:4] == [200, 200, 200, 200] and statuses[4] == 429


def test_a_referral_accepted_on_one_server_is_accepted_on_the_other(servers):
    app, (one, two) = servers
    with app.app_context():
        referral = db.session.scalars(
            select(Referral).where(Referral.status == "sent").order_by(Referral.id)
        ).first()
        receiver = db.session.scalars(
            select(User).where(User.organisation_id == referral.recipient_org_id).order_by(User.id)
        ).first()
        email, secret = receiver.email, totp_secret(receiver)
        referral_id = referral.id
        accepts_before = _accepts()
    browser = requests.Session()
    _sign_in(browser, one, email, secret)  # one session, valid on both servers
    action = f"/overdrachten/{referral_id}/accept"
    seen = _hidden(browser.get(f"{two}/overdrachten/{referral_id}").text, action)

    accepted = browser.post(f"{one}{action}", data=seen)
    assert accepted.status_code == 200 and "Opgeslagen." in accepted.text
    stale = browser.post(f"{two}{action}", data=seen)  # the same click, on the other server
    assert stale.status_code == 200 and "Opgeslagen." not in stale.text
    for base in (one, two):
        page = browser.get(f"{base}/overdrachten/{referral_id}").text
        assert "Geaccepteerd" in page and action not in page
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "accepted"
        assert _accepts() == accepts_before + 1  # one acceptance, on one server
