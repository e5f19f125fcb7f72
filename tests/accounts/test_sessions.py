"""Session life: idle and absolute timeouts, sign out everywhere, deactivation, re-auth."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts import mfa
from portal.accounts.models import RecoveryCode
from portal.accounts.sessions import AUTH_KEY
from portal.db import utcnow
from tests.accounts.conftest import code_for, events, password_step, sign_in


def _shift(client, **deltas: int) -> None:
    """Move the session's clock marks into the past (no sleeping)."""
    with client.session_transaction() as sess:
        auth = dict(sess[AUTH_KEY])
        for key, seconds in deltas.items():
            auth[key] -= seconds
        sess[AUTH_KEY] = auth


def test_idle_timeout_ends_the_session(app, client, make_user, login):
    login(client, make_user())
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    _shift(client, seen=idle - 30)
    assert client.get("/mijn-werk").status_code == 200  # still within the idle limit
    _shift(client, seen=idle + 5)
    response = client.get("/mijn-werk")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "niet actief" in page
    assert client.get("/mijn-werk").status_code == 302


def test_activity_keeps_the_session_alive(app, client, make_user, login):
    login(client, make_user())
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    _shift(client, seen=idle - 10, at=idle - 10)
    assert client.get("/account").status_code == 200
    _shift(client, seen=20, at=20)  # the request above reset "seen"
    assert client.get("/account").status_code == 200


def test_absolute_timeout_ends_even_an_active_session(app, client, make_user, login):
    login(client, make_user())
    _shift(client, at=app.config["SESSION_MAX_HOURS"] * 3600 + 5)
    response = client.get("/mijn-werk")
    assert response.status_code == 302
    assert "te lang" in client.get("/inloggen").get_data(as_text=True)


def test_sign_out_everywhere_ends_other_browsers(client, make_user, new_client, session):
    user = make_user()
    phone = new_client()
    sign_in(client, user)
    sign_in(phone, user, offset_steps=1)
    assert phone.get("/mijn-werk").status_code == 200
    response = client.post_form("/account/overal-uitloggen")
    assert response.status_code == 302
    assert client.get("/mijn-werk").status_code == 302
    ended = phone.get("/mijn-werk")
    assert ended.status_code == 302 and "/inloggen" in ended.headers["Location"]
    assert events(session, "auth.logout_everywhere")[0].user_id == user.id


def test_deactivation_ends_sessions_at_once(client, make_user, new_client, login, session):
    admin = make_user(roles=("org_admin",))
    worker = make_user()
    browser = new_client()
    login(browser, worker)
    assert browser.get("/mijn-werk").status_code == 200
    login(client, admin)
    response = client.post_form(f"/beheer/medewerkers/{worker.id}/deactiveren")
    assert response.status_code == 302
    assert browser.get("/mijn-werk").status_code == 302
    assert password_step(browser, worker.email).status_code == 200  # cannot sign in again
    (event,) = events(session, "account.deactivated")
    assert event.user_id == admin.id and event.detail_dict == {"subject_user_id": worker.id}
    # And back on.
    client.post_form(f"/beheer/medewerkers/{worker.id}/heractiveren")
    assert sign_in(browser, worker).headers["Location"].endswith("/mijn-werk")


def test_change_password_needs_reauthentication(client, make_user, new_client, session, login):
    user = make_user()
    other = new_client()
    sign_in(client, user)
    login(other, user)
    new = "een lange nieuwe zin voor mij"
    refused = client.post_form(
        "/account/wachtwoord",
        {
            "password": "wrong",
            "code": code_for(user, offset_steps=1),
            "new_password": new,
            "repeat": new,
        },
    )
    assert refused.status_code == 200 and "klopt niet" in refused.get_data(as_text=True)
    weak = client.post_form(
        "/account/wachtwoord",
        {"password": "pw", "code": "x", "new_password": "kort", "repeat": "kort"},
    )
    assert "minstens" in weak.get_data(as_text=True)
    done = client.post_form(
        "/account/wachtwoord",
        {
            "password": "pw",
            "code": code_for(user, offset_steps=1),
            "new_password": new,
            "repeat": new,
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200  # this session goes on
    assert other.get("/mijn-werk").status_code == 302  # the other one ended
    assert events(session, "auth.password_changed")[0].user_id == user.id
    client.post_form("/uitloggen")
    assert password_step(client, user.email, "pw").status_code == 200
    assert password_step(client, user.email, new).status_code == 302


def test_reset_mfa_needs_reauthentication_and_replaces_recovery_codes(client, make_user, session):
    user = make_user()
    sign_in(client, user)
    # Not without proving who you are.
    skipped = client.get("/account/mfa/instellen")
    assert skipped.status_code == 302 and skipped.headers["Location"].endswith("/account/mfa")
    refused = client.post_form("/account/mfa", {"password": "pw", "code": "123"})
    assert "klopt niet" in refused.get_data(as_text=True)
    assert len(events(session, "auth.reauth_failed")) == 1
    ok = client.post_form(
        "/account/mfa", {"password": "pw", "code": code_for(user, offset_steps=1)}
    )
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/account/mfa/instellen")
    page = client.get("/account/mfa/instellen").get_data(as_text=True)
    manual = page.split('id="manual-key">')[1].split("<")[0].replace(" ", "")
    assert manual != user.test_totp_secret
    html = client.post_form(
        "/account/mfa/instellen", {"code": mfa.current_code(manual, utcnow())}
    ).get_data(as_text=True)
    assert "maar één keer" in html
    assert (
        len(session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all())
        == 10
    )
    assert events(session, "auth.mfa_enrolled")[-1].detail_dict == {"reset": True}
    # The old app's codes no longer work; the new one's do.
    client.post_form("/uitloggen")
    password_step(client, user.email)
    user.test_totp_secret = manual
    assert (
        client.post_form("/inloggen/code", {"code": code_for(user, offset_steps=1)}).status_code
        == 302
    )


def test_reauth_is_valid_for_a_few_minutes_only(client, make_user):
    user = make_user()
    sign_in(client, user)
    client.post_form("/account/mfa", {"password": "pw", "code": code_for(user, offset_steps=1)})
    _shift(client, reauth=6 * 60)
    assert client.get("/account/mfa/instellen").status_code == 302
