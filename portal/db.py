"""Database plumbing: the declarative base, the engine and a session per app context.

Services receive a ``Session`` argument and never commit; the view (or CLI command) that
called them commits once. The schema is created only by Alembic (``migrations/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection, CursorResult
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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and real (savepoint-capable) transactions."""
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
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _scope() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]  # the proxy's target


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
