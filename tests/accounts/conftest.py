"""Helpers for the identity and access tests: real sign-in through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import mfa
from portal.audit.models import AuditEvent
from portal.db import utcnow


def code_for(user, *, offset_steps: int = 0) -> str:
    """The user's TOTP code now (or some steps later, for a second code in one test)."""
    return mfa.current_code(user.test_totp_secret, utcnow() + timedelta(seconds=30 * offset_steps))


def password_step(client, email: str, password: str = "pw", next_url: str | None = None):
    url = "/inloggen" + (f"?next={next_url}" if next_url else "")
    return client.post_form(url, {"email": email, "password": password})


def sign_in(client, user, password: str = "pw", *, offset_steps: int = 0):
    """Password, then the TOTP code: the whole sign-in as a browser does it."""
    first = password_step(client, user.email, password)
    assert first.status_code == 302 and first.headers["Location"].endswith("/inloggen/code")
    return client.post_form(
        "/inloggen/code",
        {"code": code_for(user, offset_steps=offset_steps)},
    )


def events(session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def new_client(app, session):
    """A second browser."""

    def make():
        from tests.conftest import Client

        app.test_client_class = Client
        return app.test_client()

    return make
