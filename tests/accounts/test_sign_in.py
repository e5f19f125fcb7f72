"""Signing in with password and TOTP: the steps, the failures, lockout and throttling."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, text

from portal.accounts import mfa
from portal.accounts.models import RecoveryCode, User
from portal.accounts.sessions import AUTH_KEY, PENDING_KEY
from portal.audit.models import AuditEvent
from portal.db import utcnow
from tests.accounts.conftest import code_for, events, password_step, sign_in


def test_sign_in_page_has_the_form(client):
    html = client.get("/inloggen").get_data(as_text=True)
    assert 'name="email"' in html and 'autocomplete="current-password"' in html
    assert "csrf_token" in html


def test_password_and_totp_sign_in_reaches_the_landing_page(client, make_user, session):
    user = make_user(roles=("caseworker", "team_manager"))
    response = sign_in(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn-werk")
    page = client.get("/mijn-werk").get_data(as_text=True)
    assert user.organisation.name in page and "Teamleider" in page
    assert "/account" in page  # the security links
    (login,) = events(session, "auth.login")
    assert login.user_id == user.id and login.detail_dict == {"method": "password+totp"}
    assert events(session, "auth.mfa_verified")[0].user_id == user.id
    assert login.client_addr == "127.0.0.0/24"  # truncated, never the full address


def test_half_signed_in_after_password_is_not_signed_in(client, make_user):
    user = make_user()
    assert password_step(client, user.email).status_code == 302
    response = client.get("/mijn-werk")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_unknown_email_is_logged_without_what_was_typed(client, session):
    typed = "nobody-here@example.org"
    response = password_step(client, typed, "whatever-password")
    assert response.status_code == 200
    assert "klopt niet" in response.get_data(as_text=True)
    (failed,) = events(session, "auth.login_failed")
    assert failed.detail_dict == {"reason": "unknown_account"} and failed.user_id is None
    dump = json.dumps([[e.detail, e.actor_label] for e in session.scalars(select(AuditEvent))])
    assert typed not in dump and "whatever" not in dump


def test_wrong_password_and_wrong_code_count_as_failures(client, make_user, session):
    user = make_user()
    password_step(client, user.email, "wrong")
    assert user.failed_logins == 1
    password_step(client, user.email, "pw")
    bad = "000000" if code_for(user) != "000000" else "111111"
    response = client.post_form("/inloggen/code", {"code": bad})
    assert response.status_code == 200 and "klopt niet" in response.get_data(as_text=True)
    session.refresh(user)
    assert user.failed_logins == 2
    # A complete sign-in clears the count.
    client.post_form("/inloggen/code", {"code": code_for(user)})
    session.refresh(user)
    assert user.failed_logins == 0


def test_lockout_after_repeated_failures_even_with_right_password(app, client, make_user, session):
    user = make_user()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        password_step(client, user.email, "wrong")
    session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    response = password_step(client, user.email, "pw")
    assert response.status_code == 200 and "geblokkeerd" in response.get_data(as_text=True)
    assert len(events(session, "auth.lockout")) == 1
    assert events(session, "auth.login_failed")[-1].detail_dict == {"reason": "locked"}
    # When the lock has run out, the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.flush()
    assert sign_in(client, user).headers["Location"].endswith("/mijn-werk")


def test_each_failure_after_the_limit_locks_again(app, client, make_user, session):
    user = make_user()
    user.failed_logins = app.config["LOGIN_MAX_FAILURES"]
    session.flush()
    password_step(client, user.email, "wrong")
    session.refresh(user)
    assert user.locked_until > utcnow() + timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] - 1)


def test_code_step_failures_lock_the_account_and_end_the_attempt(app, client, make_user, session):
    user = make_user()
    password_step(client, user.email)
    bad = "000000" if code_for(user) != "000000" else "111111"
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post_form("/inloggen/code", {"code": bad})
    last = client.post_form("/inloggen/code", {"code": bad})
    assert last.status_code == 302 and last.headers["Location"].endswith("/inloggen")
    session.refresh(user)
    assert user.locked_until is not None
    with client.session_transaction() as sess:
        assert PENDING_KEY not in sess


def test_sign_in_is_throttled_per_client(app, client, make_user):
    user = make_user()
    statuses = [password_step(client, user.email, "wrong").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert "Te veel pogingen" in client.post_form(
        "/inloggen", {"email": "x@example.org", "password": "y"}
    ).get_data(as_text=True)


def test_totp_code_cannot_be_replayed(client, make_user, new_client):
    user = make_user()
    code = code_for(user)
    password_step(client, user.email)
    assert client.post_form("/inloggen/code", {"code": code}).status_code == 302
    other = new_client()
    password_step(other, user.email)
    replay = other.post_form("/inloggen/code", {"code": code})
    assert replay.status_code == 200 and "klopt niet" in replay.get_data(as_text=True)


def test_session_is_new_after_sign_in(client, make_user):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker before sign-in"
        sess["lang"] = "en"
    sign_in(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"  # the language choice survives
        first_sid = sess[AUTH_KEY]["sid"]
    client.post_form("/uitloggen")
    sign_in(client, user, offset_steps=1)
    with client.session_transaction() as sess:
        assert sess[AUTH_KEY]["sid"] != first_sid


def test_pending_step_expires(client, make_user):
    user = make_user()
    password_step(client, user.email)
    with client.session_transaction() as sess:
        sess[PENDING_KEY] = {**sess[PENDING_KEY], "at": sess[PENDING_KEY]["at"] - 11 * 60}
    response = client.post_form("/inloggen/code", {"code": code_for(user)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")


def test_next_is_kept_but_only_on_this_site(client, make_user):
    user = make_user()
    password_step(client, user.email, next_url="/account")
    assert (
        client.post_form("/inloggen/code", {"code": code_for(user)})
        .headers["Location"]
        .endswith("/account")
    )
    client.post_form("/uitloggen")
    password_step(client, user.email, next_url="//evil.example/x")
    location = client.post_form("/inloggen/code", {"code": code_for(user, offset_steps=1)}).headers[
        "Location"
    ]
    assert "evil" not in location and location.endswith("/mijn-werk")


def test_unauthenticated_page_redirects_to_sign_in_and_json_gets_401(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/inloggen?next=/account" in response.headers["Location"]
    assert client.get("/account", headers={"Accept": "application/json"}).status_code == 401


def test_first_sign_in_enrols_totp_with_qr_and_recovery_codes(client, make_user, session, app):
    user = make_user(mfa=False)
    first = password_step(client, user.email)
    assert first.headers["Location"].endswith("/inloggen/mfa-instellen")
    page = client.get("/inloggen/mfa-instellen").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page and "<script" not in page.split("<main")[1]
    manual = page.split('id="manual-key">')[1].split("<")[0].replace(" ", "")
    assert len(manual) == 32
    # A wrong code does not enrol.
    bad = client.post_form("/inloggen/mfa-instellen", {"code": "000000"})
    if mfa.current_code(manual, utcnow()) != "000000":
        assert "klopt niet" in bad.get_data(as_text=True)
    done = client.post_form("/inloggen/mfa-instellen", {"code": mfa.current_code(manual, utcnow())})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "maar één keer" in html
    assert done.headers["Cache-Control"] == "no-store"
    codes = [c.split("</code>")[0] for c in html.split('kp-mono">')[1:]]
    assert len(codes) == 10
    session.refresh(user)
    assert user.mfa_enrolled and manual not in user.totp_secret
    stored = {r.code_hash for r in session.scalars(select(RecoveryCode))}
    assert not any(c in h for c in codes for h in stored)
    assert client.get("/mijn-werk").status_code == 200
    assert events(session, "auth.mfa_enrolled")[0].detail_dict == {"reset": False}
    # The secret is not in the database in the clear, anywhere in the row.
    raw = session.execute(
        text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    assert manual not in raw and raw.startswith("s1:")


def test_recovery_code_signs_in_once(client, make_user, session, new_client):
    user = make_user(mfa=False)
    password_step(client, user.email)
    page = client.get("/inloggen/mfa-instellen").get_data(as_text=True)
    manual = page.split('id="manual-key">')[1].split("<")[0].replace(" ", "")
    html = client.post_form(
        "/inloggen/mfa-instellen", {"code": mfa.current_code(manual, utcnow())}
    ).get_data(as_text=True)
    code = html.split('kp-mono">')[1].split("</code>")[0]
    client.post_form("/uitloggen")

    browser = new_client()
    password_step(browser, user.email)
    used = browser.post_form("/inloggen/herstelcode", {"code": code.upper().replace("-", " ")})
    assert used.status_code == 302 and used.headers["Location"].endswith("/account")
    assert browser.get("/account").status_code == 200
    (event,) = events(session, "auth.recovery_code_used")
    assert event.detail_dict == {"remaining": 9}
    assert events(session, "auth.login")[-1].detail_dict == {"method": "password+recovery"}

    again = new_client()
    password_step(again, user.email)
    refused = again.post_form("/inloggen/herstelcode", {"code": code})
    assert refused.status_code == 200 and "al gebruikt" in refused.get_data(as_text=True)
    assert again.get("/mijn-werk").status_code == 302


def test_sign_out_ends_the_session(client, make_user, session):
    user = make_user()
    sign_in(client, user)
    response = client.post_form("/uitloggen")
    assert response.status_code == 302
    assert client.get("/mijn-werk").status_code == 302
    assert events(session, "auth.logout")[0].user_id == user.id


def test_inactive_account_cannot_sign_in(client, make_user, session):
    user = make_user()
    user.active = False
    session.flush()
    assert password_step(client, user.email).status_code == 200
    assert events(session, "auth.login_failed")[-1].detail_dict == {"reason": "inactive"}


def test_password_hash_is_argon2id(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")


def test_sign_in_email_is_case_insensitive(client, make_user, session):
    user = make_user()
    assert password_step(client, user.email.upper()).headers["Location"].endswith("/inloggen/code")
    assert session.get(User, user.id) is not None


def test_lockout_holds_across_app_servers(backend, databases, tmp_path):
    """Two app servers (each its own memory rate limiter) share the lock in the database."""
    from portal import create_app
    from portal.accounts.models import Organisation
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from tests.conftest import Client, make_test_config, migrate

    url = databases.fresh(backend, "lockout")
    migrate(url)
    first = create_app(make_test_config(url, tmp_path / "a"))
    second = create_app(make_test_config(url, tmp_path / "b"))
    with first.app_context():
        org = Organisation(slug="corporatie", name="Corporatie")
        db.session.add(org)
        db.session.flush()
        db.session.add(
            User(
                organisation_id=org.id,
                email="locked@corporatie.example",
                display_name="L",
                password_hash=hash_password("pw"),
            )
        )
        db.session.commit()
    for app in (first, second):
        app.test_client_class = Client
    a, b = first.test_client(), second.test_client()
    with first.app_context():
        for _ in range(first.config["LOGIN_MAX_FAILURES"]):
            password_step(a, "locked@corporatie.example", "wrong")
    with second.app_context():
        refused = password_step(b, "locked@corporatie.example", "pw")
        assert refused.status_code == 200 and "geblokkeerd" in refused.get_data(as_text=True)
    for app in (first, second):
        app.extensions["kp_db"].engine.dispose()
