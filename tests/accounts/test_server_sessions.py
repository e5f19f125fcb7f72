"""Sessions live on the server: sign-out, timeouts and "sign out everywhere" hold for every copy
of a cookie, the cookie is only an id, and timed-out rows are purged."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import WebSession
from portal.accounts.session_store import hash_id
from portal.accounts.sessions import AUTH_KEY
from portal.db import utcnow
from tests.accounts.conftest import code_for, password_step, sign_in

COOKIE = "kp_session"


def _cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def _replay(new_client, value: str):
    """Another browser that was handed a copy of the cookie."""
    thief = new_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _refused(response) -> bool:
    return response.status_code == 302 and "/inloggen" in response.headers["Location"]


def _row(session, value: str) -> WebSession | None:
    session.expire_all()
    return session.get(WebSession, hash_id(value))


def test_a_cookie_copied_before_sign_out_is_refused(client, make_user, new_client, session):
    sign_in(client, make_user())
    copied = _cookie(client)
    assert _replay(new_client, copied).get("/mijn-werk").status_code == 200  # the copy works
    client.post_form("/uitloggen")
    assert _row(session, copied) is None
    assert _refused(_replay(new_client, copied).get("/mijn-werk"))
    assert _refused(client.get("/mijn-werk"))


def test_idle_timeout_holds_for_a_copied_cookie(app, client, make_user, new_client, login):
    login(client, make_user())
    copied = _cookie(client)
    # The server's clock for the session runs out; the copy cannot bring a fresher one.
    with client.session_transaction() as sess:
        auth = dict(sess[AUTH_KEY])
        auth["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
        sess[AUTH_KEY] = auth
    assert _refused(_replay(new_client, copied).get("/mijn-werk"))
    assert _refused(client.get("/mijn-werk"))


def test_a_row_past_its_limits_is_refused_and_deleted(app, client, make_user, login, session):
    login(client, make_user())
    value = _cookie(client)
    assert client.get("/mijn-werk").status_code == 200
    row = _row(session, value)
    row.seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    session.flush()
    assert _refused(client.get("/mijn-werk"))
    assert _row(session, value) is None

    login(client, make_user())
    value = _cookie(client)
    row = _row(session, value)
    row.created_at = utcnow() - timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    session.flush()
    assert _refused(client.get("/mijn-werk"))
    assert _row(session, value) is None


def test_sign_out_everywhere_refuses_copies_of_every_cookie(client, make_user, new_client):
    user = make_user()
    phone = new_client()
    sign_in(client, user)
    sign_in(phone, user, offset_steps=1)
    copies = [_cookie(client), _cookie(phone)]
    client.post_form("/account/overal-uitloggen")
    for copied in copies:
        assert _refused(_replay(new_client, copied).get("/mijn-werk"))
    assert _refused(phone.get("/mijn-werk"))


def test_the_cookie_is_only_a_random_id(client, make_user, session):
    user = make_user()
    sign_in(client, user)
    value = _cookie(client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    row = _row(session, value)
    assert row is not None and json.loads(row.data)["_user_id"] == str(user.id)
    # Only the id's hash is stored: the table holds nothing to put in a cookie.
    stored = session.scalars(select(WebSession.id_hash)).all()
    assert value not in stored


def test_sign_in_moves_to_a_fresh_id(client, make_user, new_client, session):
    """An id planted before sign-in (session fixation) is not signed in afterwards."""
    user = make_user()
    client.get("/inloggen")
    planted = _cookie(client)
    password_step(client, user.email)
    pending = _cookie(client)
    assert pending != planted and _row(session, planted) is None
    client.post_form("/inloggen/code", {"code": code_for(user)})
    signed_in = _cookie(client)
    assert signed_in not in (planted, pending) and _row(session, pending) is None
    assert client.get("/mijn-werk").status_code == 200
    assert _refused(_replay(new_client, planted).get("/mijn-werk"))
    assert _refused(_replay(new_client, pending).get("/mijn-werk"))


def test_an_unchanged_session_is_written_at_most_once_a_minute(client, make_user, login, session):
    login(client, make_user())
    value = _cookie(client)
    assert client.get("/mijn-werk").status_code == 200
    row = _row(session, value)
    recent = utcnow() - timedelta(seconds=30)
    row.seen_at = recent
    session.flush()
    assert client.get("/mijn-werk").status_code == 200
    assert _row(session, value).seen_at == recent  # nothing new to store
    row.seen_at = utcnow() - timedelta(seconds=90)
    session.flush()
    assert client.get("/mijn-werk").status_code == 200
    assert _row(session, value).seen_at > recent  # still in use: recorded


def test_purge_deletes_timed_out_sessions(app, session):
    now = utcnow()
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    rows = {
        "fresh": (now - timedelta(hours=1), now),
        "idle": (now - idle * 2, now - idle - timedelta(minutes=1)),
        "too-old": (now - timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1), now),
    }
    for name, (created_at, seen_at) in rows.items():
        session.add(
            WebSession(id_hash=hash_id(name), data="{}", created_at=created_at, seen_at=seen_at)
        )
    session.flush()
    result = app.test_cli_runner().invoke(args=["sessions", "purge"])
    assert result.exit_code == 0, result.output
    assert re.match(r"[1-9]\d* expired sessions deleted", result.output)
    left = {name for name in rows if _row(session, name) is not None}
    assert left == {"fresh"}
