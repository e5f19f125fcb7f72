"""Flask-Login wiring: how a session cookie becomes the current professional."""

from __future__ import annotations

from flask import Flask

from portal.accounts import sessions
from portal.accounts.models import User
from portal.extensions import db, login_manager


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.sign_in"
    # Registered before portal.access's check, so an ended session is gone before it runs.
    app.before_request(sessions.enforce)
