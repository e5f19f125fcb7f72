"""Security events the audit review added: the portal ending a session is recorded too."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.sessions import AUTH_KEY
from portal.audit.models import AuditEvent


def ended(session) -> list[AuditEvent]:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.session_ended").order_by(AuditEvent.id)
    ).all()


def test_an_idle_session_ended_by_the_portal_is_recorded(app, client, session, make_user, login):
    user = make_user()
    login(client, user)
    with client.session_transaction() as sess:
        auth = dict(sess[AUTH_KEY])
        auth["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
        sess[AUTH_KEY] = auth
    assert client.get("/mijn-werk").status_code == 302
    [event] = ended(session)
    assert event.user_id == user.id and event.actor_kind == "staff"
    assert event.detail_dict == {"reason": "idle"}
    assert event.request_id and event.client_addr == "127.0.0.0/24"
    assert client.get("/mijn-werk").status_code == 302
    assert len(ended(session)) == 1  # once: the session is gone now


def test_a_session_of_a_deactivated_account_is_recorded_with_its_user(
    client, session, make_user, login
):
    user = make_user()
    login(client, user)
    user.active = False
    session.flush()
    client.get("/mijn-werk")
    [event] = ended(session)
    assert event.user_id == user.id and event.actor_kind == "anonymous"
    assert event.detail_dict == {"reason": "ended"}
