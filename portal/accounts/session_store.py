"""Server-side sessions: the cookie holds only a random id, the state lives in ``web_session``.

Why: a signed cookie carries its own state, so a copy of it keeps working until its own clock
runs out, whatever the server decided (sign-out, a timeout). Here the browser holds only a
256-bit random id and the server holds the state; deleting the row ends the session for every
copy of the cookie. Rows are found by the id's SHA-256, so a database dump holds nothing that
can be replayed as a cookie.

The store writes on a database session of its own and ends it at once. It never commits or
rolls back the request's ``db.session`` (a view's half-done work is not ours to commit), and
its writes are short so that several app workers can share one SQLite file. A row is written
only when the session's content changed, or once a minute to record that it is still in use.

A request that only reads (GET) reads its row in the request's own ``db.session``, and with it
the signed-in professional and their roles, in one statement (the row names its user), kept on
the request's session as ``user`` for Flask-Login's loader (``portal.accounts.login``). Why:
on PostgreSQL every statement, and every database session's checkout and transaction, is a
round trip, and this is the read every page makes. The row keeps no copy of the user: the
user is read as the database holds it on every request, so a deactivation, a role change or a
raised epoch counts from the next one. A request that may write reads the row on the store's
own session instead, so that the request's transaction begins in the view, with SQLite's write
lock taken first (``portal.db.SAFE_METHODS``), and the loader reads the user there.

Every session, staff's or a tenant's, also dies here after the longest idle and absolute
limits (``limits``); each kind checks its own, shorter limits on the state kept here
(``portal.accounts.sessions.enforce``, ``consent.tenant.current``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask import session as flask_session
from flask.sessions import SessionInterface, SessionMixin, session_json_serializer
from sqlalchemy import Row, delete, insert, or_, select, update
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import joinedload

from portal.accounts.models import User, WebSession
from portal.db import SAFE_METHODS, changed_rows, utcnow
from portal.numbers import parse_int

#: What ``secrets.token_urlsafe(32)`` gives; anything else in the cookie is not ours.
_ID_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")
#: At most one "still in use" write per session per minute.
TOUCH_SECONDS = 60


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def limits(config: Any) -> tuple[timedelta, timedelta]:
    """Idle and absolute limits for any session: the most generous of staff and tenant."""
    idle = max(config["SESSION_IDLE_MINUTES"], config["TENANT_SESSION_IDLE_MINUTES"])
    return timedelta(minutes=idle), timedelta(hours=config["SESSION_MAX_HOURS"])


def _expired(config: Any, created_at: datetime, seen_at: datetime, now: datetime) -> bool:
    idle, longest = limits(config)
    return now - seen_at > idle or now - created_at > longest


class ServerSession(dict[str, Any], SessionMixin):
    """Flask's ``session`` for one request, with the id and clock of its row."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        seen_at: datetime | None = None,
        stale_cookie: bool = False,
        user: User | None = None,
    ) -> None:
        super().__init__(data or {})
        self.session_id = session_id
        self.seen_at = seen_at
        #: The signed-in professional read with the row, in the request's database session.
        self.user = user
        #: The browser sent an id we do not (or no longer) know: tell it to forget it.
        self.stale_cookie = stale_cookie
        self.new_id = False
        self.loaded = session_json_serializer.dumps(dict(self))

    def regenerate(self) -> None:
        """Move to a fresh id when this request ends; the old id stops working.

        Called whenever who the browser is changes (sign-in, sign-out), so that an id planted
        before sign-in (session fixation) or copied before sign-out is worth nothing after.
        """
        self.new_id = True


def regenerate() -> None:
    """Give the current request's session a fresh id (see ``ServerSession.regenerate``)."""
    flask_session.regenerate()  # type: ignore[attr-defined]  # a ServerSession; Flask types the base


def _db(app: Flask) -> DbSession:
    """A database session of the store's own (in tests: on the test's connection)."""
    return app.extensions["kp_db"].factory()


def signed_in_user_id(data: dict[str, Any]) -> int | None:
    """The professional a session's content is signed in as (Flask-Login's ``_user_id``)."""
    raw = data.get("_user_id")
    return parse_int(raw) if isinstance(raw, str) else None


def _read(db: DbSession, id_hash: str) -> Row[tuple[str, datetime, datetime, User]] | None:
    """The row's data and clock, and its signed-in user (or ``None``) with their roles."""
    return (
        db.execute(
            select(WebSession.data, WebSession.created_at, WebSession.seen_at, User)
            .outerjoin(User, User.id == WebSession.user_id)
            .options(joinedload(User.role_rows))
            .where(WebSession.id_hash == id_hash)
        )
        .unique()
        .one_or_none()
    )


class ServerSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(f"{app.static_url_path}/"):
            return ServerSession()  # static files never need the session: skip the database
        session_id = request.cookies.get(self.get_cookie_name(app), "")
        if not session_id:
            return ServerSession()
        if not _ID_FORMAT.fullmatch(session_id):
            return ServerSession(stale_cookie=True)
        id_hash = hash_id(session_id)
        if request.method in SAFE_METHODS:
            found = _read(app.extensions["kp_db"].session(), id_hash)
        else:
            with _db(app) as db:
                found = _read(db, id_hash)
        if found is None:  # signed out, purged, or never ours
            return ServerSession(stale_cookie=True)
        data, created_at, seen_at, user = found
        if _expired(app.config, created_at, seen_at, utcnow()):
            with _db(app) as db, db.begin():
                db.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
            return ServerSession(stale_cookie=True)
        return ServerSession(
            session_json_serializer.loads(data),
            session_id=session_id,
            seen_at=seen_at,
            user=user if request.method in SAFE_METHODS else None,
        )

    def save_session(  # type: ignore[override]  # takes our ServerSession, not any SessionMixin
        self, app: Flask, session: ServerSession, response: Response
    ) -> None:
        response.vary.add("Cookie")
        name = self.get_cookie_name(app)
        cookie: dict[str, Any] = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }
        now = utcnow()
        old_hash = hash_id(session.session_id) if session.session_id else None
        payload = session_json_serializer.dumps(dict(session))
        user_id = signed_in_user_id(session)
        if not session:
            if old_hash:
                with _db(app) as db, db.begin():
                    db.execute(delete(WebSession).where(WebSession.id_hash == old_hash))
            if old_hash or session.stale_cookie:
                response.delete_cookie(name, **cookie)
            return
        if old_hash is None or session.new_id:
            session_id = secrets.token_urlsafe(32)
            with _db(app) as db, db.begin():
                if old_hash:
                    db.execute(delete(WebSession).where(WebSession.id_hash == old_hash))
                db.execute(
                    insert(WebSession).values(
                        id_hash=hash_id(session_id),
                        data=payload,
                        created_at=now,
                        seen_at=now,
                        user_id=user_id,
                    )
                )
            response.set_cookie(name, session_id, **cookie)
            return
        values: dict[str, Any] = {}
        if payload != session.loaded:
            values = {"data": payload, "seen_at": now, "user_id": user_id}
        elif session.seen_at is None or (now - session.seen_at).total_seconds() >= TOUCH_SECONDS:
            values = {"seen_at": now}
        if values:
            with _db(app) as db, db.begin():
                db.execute(
                    update(WebSession).where(WebSession.id_hash == old_hash).values(**values)
                )


def purge_expired(db: DbSession, config: Any, now: datetime) -> int:
    """Delete the sessions that timed out; how many. (Requests refuse them anyway.)"""
    idle, longest = limits(config)
    removed = changed_rows(
        db,
        delete(WebSession).where(
            or_(WebSession.seen_at < now - idle, WebSession.created_at < now - longest)
        ),
    )
    db.flush()
    return removed
