"""Server-side sessions: the cookie holds only a random id, the state lives in ``web_session``.

Why: a signed cookie carries its own state, so a copy of it keeps working until its own clock
runs out, whatever the server decided (sign-out, a timeout). Here the browser holds only a
256-bit random id and the server holds the state; deleting the row ends the session for every
copy of the cookie. Rows are found by the id's SHA-256, so a database dump holds nothing that
can be replayed as a cookie.

The store opens a database session of its own for each read or write and ends it at once. It
never commits or rolls back the request's ``db.session`` (a view's half-done work is not ours
to commit), and its writes are short so that several app workers can share one SQLite file.
A row is written only when the session's content changed, or once a minute to record that it
is still in use.

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
from sqlalchemy import delete, insert, or_, update
from sqlalchemy.orm import Session as DbSession

from portal.accounts.models import WebSession
from portal.db import changed_rows, utcnow

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
    ) -> None:
        super().__init__(data or {})
        self.session_id = session_id
        self.seen_at = seen_at
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
        now = utcnow()
        with _db(app) as db:
            row = db.get(WebSession, id_hash)
            if row is None:  # signed out, purged, or never ours
                return ServerSession(stale_cookie=True)
            if _expired(app.config, row.created_at, row.seen_at, now):
                db.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
                db.commit()
                return ServerSession(stale_cookie=True)
            data = session_json_serializer.loads(row.data)
            seen_at = row.seen_at
        return ServerSession(data, session_id=session_id, seen_at=seen_at)

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
                        id_hash=hash_id(session_id), data=payload, created_at=now, seen_at=now
                    )
                )
            response.set_cookie(name, session_id, **cookie)
            return
        values: dict[str, Any] = {}
        if payload != session.loaded:
            values = {"data": payload, "seen_at": now}
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
