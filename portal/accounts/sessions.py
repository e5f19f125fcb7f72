"""The life of a professional's session: half-signed-in, fully signed in, and its end.

The session lives on the server (``session_store``; the cookie holds only a random id), so
ending it here ends it for every copy of the cookie. After the password step it only holds a
*pending* marker (no Flask-Login user), so a half-signed-in browser is anonymous to every staff
page.
Only after the second factor (TOTP, a recovery code, or the partner's provider vouching for
MFA) does ``complete_sign_in`` clear the session (nothing from before sign-in survives: a new
session) and sign the user in with an ``auth`` record: when it began, when it was last used,
and the user's ``session_epoch``. Every request checks that record (``enforce``): idle and
absolute timeouts, and the epoch, which the server raises to end all of a user's sessions at
once (sign out everywhere, deactivation, password change). Each change of who the browser is
(password step, sign-in, sign-out) moves the session to a fresh id: an id planted before or
copied before no longer works.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask import current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import Session as DbSession

from portal.accounts import session_store
from portal.accounts.models import User
from portal.db import utcnow

AUTH_KEY = "kp_auth"
PENDING_KEY = "kp_pending"
ENROL_KEY = "kp_enrol"
#: What survives the session being cleared at sign-in and sign-out: only the language.
KEEP_KEYS = ("lang",)
PENDING_MINUTES = 10
REAUTH_MINUTES = 5


def _ts(now: datetime) -> int:
    return int(now.timestamp())


def reset_session() -> None:
    kept = {k: session[k] for k in KEEP_KEYS if k in session}
    session.clear()
    session.update(kept)
    session_store.regenerate()


def auth_record(user: User, *, now: datetime, method: str) -> dict[str, Any]:
    return {
        "mfa": True,
        "method": method,
        "at": _ts(now),
        "seen": _ts(now),
        "epoch": user.session_epoch,
        "sid": secrets.token_urlsafe(16),
        # Who is signed in, for the header: the name they work under and their organisation
        # (no tenant data; kept with the session on the server).
        "who": f"{user.display_name} · {user.organisation.name}",
    }


def signed_in_values(user: User, *, now: datetime, method: str) -> dict[str, Any]:
    """The session keys of a fully signed-in professional (needs a request context).

    ``complete_sign_in`` produces the same; tests' ``login`` fixture writes these directly.
    """
    manager = current_app.login_manager  # type: ignore[attr-defined]  # set by Flask-Login
    identifier = manager._session_identifier_generator()
    return {
        "_user_id": str(user.id),
        "_fresh": True,
        "_id": identifier,
        AUTH_KEY: auth_record(user, now=now, method=method),
    }


def begin_pending(user: User, *, now: datetime, method: str, next_url: str | None) -> None:
    """After the first factor: remember who, but sign nobody in yet."""
    reset_session()
    session[PENDING_KEY] = {
        "uid": user.id,
        "at": _ts(now),
        "epoch": user.session_epoch,
        "method": method,
        "next": next_url,
    }


def pending(db: DbSession, *, now: datetime) -> tuple[User, dict[str, Any]] | None:
    """The half-signed-in user, if the first factor was passed recently and still holds."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    if _ts(now) - int(data.get("at", 0)) > PENDING_MINUTES * 60:
        return None
    user = db.get(User, data["uid"])
    if user is None or not user.active or user.session_epoch != data.get("epoch"):
        return None
    return user, data


def complete_sign_in(user: User, *, now: datetime, method: str) -> None:
    reset_session()
    login_user(user, fresh=True)
    session[AUTH_KEY] = auth_record(user, now=now, method=method)


def refresh_epoch(user: User) -> None:
    """Keep this session alive after the user raised their own epoch (password change)."""
    auth = session.get(AUTH_KEY)
    if isinstance(auth, dict):
        auth["epoch"] = user.session_epoch
        session.modified = True


def mark_reauthenticated(now: datetime) -> None:
    auth = session.get(AUTH_KEY)
    if isinstance(auth, dict):
        auth["reauth"] = _ts(now)
        session.modified = True


def recently_reauthenticated(now: datetime) -> bool:
    auth = session.get(AUTH_KEY)
    if not isinstance(auth, dict) or "reauth" not in auth:
        return False
    return _ts(now) - int(auth["reauth"]) <= REAUTH_MINUTES * 60


def end_session() -> None:
    logout_user()
    reset_session()


def is_fully_signed_in() -> bool:
    """Password *and* second factor done, in a session that ``enforce`` let through."""
    if not current_user.is_authenticated or not getattr(current_user, "is_staff", False):
        return False
    auth = session.get(AUTH_KEY)
    return isinstance(auth, dict) and auth.get("mfa") is True


_ENDED = {
    "idle": _l("U was een tijd niet actief. Log opnieuw in."),
    "expired": _l("Uw sessie duurde te lang. Log opnieuw in."),
    "ended": _l("Uw sessie is beëindigd. Log opnieuw in."),
}


def session_end_reason(user: User | None, auth: Any, now: datetime) -> str | None:
    """Why this session may not go on (``None``: it may)."""
    if user is None or not user.active:
        return "ended"
    if not isinstance(auth, dict) or auth.get("mfa") is not True:
        return "ended"
    if auth.get("epoch") != user.session_epoch:
        return "ended"
    config = current_app.config
    if _ts(now) - int(auth.get("seen", 0)) > config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    if _ts(now) - int(auth.get("at", 0)) > config["SESSION_MAX_HOURS"] * 3600:
        return "expired"
    return None


def _record_session_end(user: User | None, reason: str) -> None:
    """A security event: the portal ended a session (timeout, or ended elsewhere)."""
    from portal.actor import Actor, current_actor, truncate_address
    from portal.audit.service import record
    from portal.extensions import db

    if user is not None:
        actor = current_actor(user)
    else:  # deactivated (Flask-Login no longer loads it): name the account from the cookie
        raw = str(session.get("_user_id", ""))
        actor = Actor(
            kind="anonymous",
            user_id=int(raw) if raw.isdigit() else None,
            label="ended session",
            request_id=g.get("request_id"),
            client_addr=truncate_address(request.remote_addr),
        )
    record(db.session, actor, "auth.session_ended", detail={"reason": reason})
    db.session.commit()


def enforce(now: datetime | None = None) -> None:
    """Before every request: end a session that timed out or was ended elsewhere."""
    if request.endpoint == "static" or "_user_id" not in session:
        return
    now = now or utcnow()
    user = current_user._get_current_object() if current_user.is_authenticated else None
    reason = session_end_reason(user, session.get(AUTH_KEY), now)
    if reason is not None:
        _record_session_end(user, reason)
        end_session()
        g.session_end_reason = reason
        flash(str(_ENDED[reason]), "warning")
        return
    if _ts(now) - int(session[AUTH_KEY].get("seen", 0)) >= session_store.TOUCH_SECONDS:
        session[AUTH_KEY]["seen"] = _ts(now)  # once a minute: a write to the session store
        session.modified = True
