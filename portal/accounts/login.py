"""Flask-Login wiring: how a session cookie becomes the current professional."""

from __future__ import annotations

from flask import Flask, session
from sqlalchemy.orm import joinedload

from portal.accounts import sessions
from portal.accounts.models import User
from portal.extensions import db, login_manager
from portal.numbers import parse_int


def load_user(user_id: str) -> User | None:
    """The signed-in professional, with their roles, as the database holds them now.

    On a request that only reads, the session store read them with the session row, in the
    request's database session (``session_store``); otherwise they come in one statement.
    """
    uid = parse_int(user_id)  # beyond the column's range, or not digits: nobody
    if uid is None:
        return None
    user = getattr(session, "user", None)
    if user is None or user.id != uid:
        user = db.session.get(User, uid, options=[joinedload(User.role_rows)])
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.sign_in"
    # Registered before portal.access's check, so an ended session is gone before it runs.
    app.before_request(sessions.enforce)
