"""Database plumbing: the declarative base, the engine and a session per app context.

Services receive a ``Session`` argument and never commit; the view (or CLI command) that
called them commits once. The schema is created only by Alembic (``migrations/``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, select
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import InvalidatePoolError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


#: A pooled connection that rested longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0
_RESTING_SINCE = "kp_resting_since"


def make_engine(
    url: str, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and real (savepoint-capable) transactions,
    a server's pooled connections are pinged after a rest (``_ping_when_idle``)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            immediate = conn.info.get("immediate") or _write_first.get()
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
            conn.info[_WROTE] = immediate

        @event.listens_for(engine, "before_cursor_execute")
        def _note_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip()[:7].upper().startswith(_WRITES):
                conn.info[_WROTE] = True

        return engine
    # Connections live at most half an hour (a proxy or the server may drop older ones).
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection before use only when it rested in the pool for ``idle_seconds``.

    Why not ``pool_pre_ping``: it pings on every checkout, a round trip more on every request,
    for a connection that a request used a moment ago. One that rested longer (a quiet
    night, a restarted server, a firewall that forgets idle connections) is pinged; one that
    died, and with it every pooled connection older than it, is replaced before the request
    sees it. What this leaves: a server that goes away within seconds of a connection's last
    use fails the request that next uses it, as it fails the requests in flight at that
    moment anyway; SQLAlchemy then discards the whole pool, so the next requests reconnect.
    """

    @event.listens_for(engine, "checkin")
    def _resting(_dbapi_conn: Any, record: Any) -> None:
        record.info[_RESTING_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_RESTING_SINCE, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise InvalidatePoolError() from exc  # a fresh connection is made instead


#: Transactions begun while this is set take SQLite's write lock at once (``BEGIN
#: IMMEDIATE``). Why: a transaction that read and then writes is refused at once ("database is
#: locked") when another connection wrote in between, however long the busy timeout; one that
#: starts with the write lock waits for it instead. Set for every request that may change
#: something (``Database.init_app``) and by ``write_lock()``; no effect on PostgreSQL.
_write_first: ContextVar[bool] = ContextVar("write_first", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def write_lock() -> Iterator[None]:
    """Begin the transactions in this block with the write lock (SQLite; see ``_write_first``)."""
    token = _write_first.set(True)
    try:
        yield
    finally:
        _write_first.reset(token)


def writes_first() -> bool:
    """Whether transactions begun now take the write lock at once."""
    return _write_first.get()


#: ``Connection.info`` key (SQLite): this transaction holds the write lock.
_WROTE = "kp_holds_write_lock"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def holds_write_lock(session: Session) -> bool:
    """Whether the session's current transaction holds SQLite's write lock (it wrote, or it
    began with the lock). Another connection that wants to write must then wait for this
    one: never make it wait in the same request."""
    if not session.in_transaction():
        return False
    try:
        connection = session.connection()
    except SQLAlchemyError:  # no connection (the database is unreachable): no lock either
        return False
    return bool(connection.info.get(_WROTE))


_MEMO = "kp_memo"
T = TypeVar("T")
R = TypeVar("R")


def memo(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per unit of work: the answer is kept on the session until it writes,
    commits or rolls back, so a question the policy point asks many times in one request (the
    covenant in force, a case's grants and consents) costs one query, and a change (a
    withdrawal) is seen by the very next question. Never across requests: each request has a
    session of its own."""
    cache = session.info.setdefault(_MEMO, {})
    if key not in cache:
        cache[key] = compute()
    return cast(T, cache[key])


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_memos(session: Session, *_args: Any) -> None:
    session.info.pop(_MEMO, None)


def _scope() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]  # the proxy's target


def lock_row(session: Session, row: R) -> R:
    """Lock ``row`` until the transaction ends and read it again, so that the caller decides
    on what is stored now rather than on what it loaded earlier: two people acting at once
    produce one outcome (``SELECT ... FOR UPDATE``; SQLite holds its single write lock)."""
    model = type(row)
    return session.scalars(
        select(model)
        .where(model.id == row.id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def changed_rows(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE changed. A guarded update (``... WHERE used_at IS
    NULL``) tells by this whether this request won a race: only one of two can change the row.
    """
    return cast(CursorResult[Any], session.execute(statement)).rowcount


class _State:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = sessionmaker(bind=engine, expire_on_commit=False)
        self.session = scoped_session(self.factory, scopefunc=_scope)


class Database:
    """Flask extension holding one engine and a scoped session per application."""

    def init_app(self, app: Flask) -> None:
        state = _State(make_engine(app.config["DATABASE_URL"]))
        app.extensions["kp_db"] = state
        app.teardown_appcontext(lambda _exc: state.session.remove())

        @app.before_request
        def _writes_take_the_lock_first() -> None:
            if request.method not in SAFE_METHODS:
                g.kp_write_first = _write_first.set(True)

        @app.after_request
        def _end_the_transaction(response: Response) -> Response:
            """The answer is ready: a transaction still holding SQLite's write lock ends now
            (what was not committed is not wanted), before the session store writes the
            browser session on a connection of its own, which would wait for this one. (A
            test binds both to one connection: nothing to wait for there.)"""
            token = g.pop("kp_write_first", None)
            if token is not None:
                _write_first.reset(token)
            session = state.session()
            if isinstance(session.get_bind(), Engine) and holds_write_lock(session):
                session.rollback()
            return response

        @app.teardown_request
        def _end_write_first(_exc: BaseException | None) -> None:
            token = g.pop("kp_write_first", None)
            if token is not None:
                _write_first.reset(token)

    @staticmethod
    def _state() -> _State:
        return current_app.extensions["kp_db"]

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        return self._state().session()

    @contextmanager
    def bound_to(self, app: Flask, connection: Connection) -> Iterator[None]:
        """Bind the app's sessions to ``connection`` for a test; commits become savepoints."""
        state: _State = app.extensions["kp_db"]
        state.factory.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            state.factory.configure(
                bind=state.engine, join_transaction_mode="conservative_savepoint"
            )
