"""Flask-Login wiring: how a session cookie becomes the current professional."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import joinedload

from portal.accounts import sessions
from portal.accounts.models import User
from portal.extensions import db, login_manager

#: Ids beyond a signed 64-bit integer never name a user (and would overflow the query).
MAX_ID = 2**63 - 1


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    if int(user_id) > MAX_ID:
        return None
    # The roles come with the user, in one statement: every request asks for them.
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.sign_in"
    # Registered before portal.access's check, so an ended session is gone before it runs.
    app.before_request(sessions.enforce)
