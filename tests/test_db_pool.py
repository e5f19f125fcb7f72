"""Pooled connections to the database server: pinged after a rest, not before every request,
and a connection that died while resting is replaced before anyone uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from portal.db import make_engine
from tests.conftest import NEEDS_POSTGRESQL, PG_URL

pytestmark = NEEDS_POSTGRESQL


@pytest.fixture
def pooled(databases) -> Iterator[Callable[[float], Engine]]:
    """An engine with one pooled connection, pinged after the rest the test picks."""
    url = databases.fresh("postgresql", "pool")
    made: list[Engine] = []

    def make(ping_after_idle: float) -> Engine:
        engine = make_engine(url, ping_after_idle=ping_after_idle, pool_size=1, max_overflow=0)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(pid: int) -> None:
    """The server ends a connection (a restart, an administrator, a proxy's timeout)."""
    admin = create_engine(make_url(PG_URL).set(database="postgres"))
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    admin.dispose()


def _pings(engine: Engine, monkeypatch) -> list[object]:
    seen: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        seen.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def test_a_connection_used_a_moment_ago_is_not_pinged(pooled, monkeypatch):
    engine = pooled(60)
    first = _backend(engine)
    pings = _pings(engine, monkeypatch)
    assert _backend(engine) == first
    assert pings == []


def test_a_rested_connection_that_died_is_replaced_before_use(pooled, monkeypatch):
    engine = pooled(0)  # every pooled connection counts as rested
    first = _backend(engine)
    pings = _pings(engine, monkeypatch)
    _kill(first)
    assert _backend(engine) != first  # pinged, found dead, replaced: the request never knew
    assert len(pings) == 1


def test_a_connection_that_died_right_after_use_fails_once(pooled):
    """What the rest threshold leaves: the next use fails, and the pool starts afresh."""
    engine = pooled(60)
    first = _backend(engine)
    _kill(first)
    with pytest.raises(OperationalError) as failed:
        _backend(engine)
    assert failed.value.connection_invalidated
    assert _backend(engine) != first
