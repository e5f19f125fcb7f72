"""Writing thousands of rows at once, outside the unit of work (the arrears import).

Two calls, the same on every database, each for one mapped class's table:

* ``reserve_ids(session, Model, count)``: ids for rows about to be inserted, so that the
  caller can point child rows at them before anything is written;
* ``insert_rows(session, Model, rows)``: the rows, in one statement.

Rows are dicts that all name the same columns, including every column with a Python-side
default (``default=utcnow``, ``default=uuid.uuid4``): such defaults are not applied here, so
leaving one out raises ``ValueError`` rather than storing something else than the ORM would.
Each value goes through its column's own type, exactly as in any SQLAlchemy statement (an
``EncryptedType`` column still refuses anything that is not sealed); only the per-row work
of the ORM and of SQLAlchemy's statement execution is skipped, and what is left is one
conversion per value and one driver call per batch of rows.

Per database:

* PostgreSQL: ids come from the table's sequence (one query for all of them), rows go in
  with ``COPY ... FROM STDIN``.
* SQLite: ids follow the table's highest id. That is what SQLite itself would assign, and no
  one else can insert until this transaction ends, because it already holds the database's
  only write lock (``reserve_ids`` refuses otherwise). Rows go in with one ``executemany``.

Both run in the session's transaction: the caller commits, or rolls everything back.

``collector_paused()`` keeps Python's cyclic garbage collector off while a bulk write runs
(see there why).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from portal.db import holds_write_lock

Rows = Sequence[dict[str, Any]]
#: A mapped class (``Case``): its table is written, by column name.
Model = type[Any]

_pause_lock = threading.Lock()
#: Bulk writes running in this process, and whether the collector was on before the first.
_paused = {"writes": 0, "was_enabled": False}


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in this block (the process's collector, so for as long
    as any thread's bulk write runs).

    Why: a bulk write keeps a batch of rows alive at a time, dozens of small objects per row
    (row dicts, sealed values, driver tuples). They live long enough to reach the collector's
    oldest generation, so every few batches a full collection walks every object of the
    application, a quarter of a million: a fifth of the time of a 10,000-row import went
    there. Nothing is lost by waiting: reference counting frees what the rows leave behind,
    and the collector is back on (if it was) as soon as the last bulk write is done.
    """
    with _pause_lock:
        if _paused["writes"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["writes"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused["writes"] -= 1
            if _paused["writes"] == 0 and _paused["was_enabled"]:
                gc.enable()


def reserve_ids(session: Session, model: Model, count: int) -> list[int]:
    """``count`` unused ids of ``model``'s table (one integer primary key column), for its
    next rows. On SQLite the transaction must already have written (so holds the write lock).
    """
    if count <= 0:
        return []
    table = _table(model)
    (id_column,) = table.primary_key.columns
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, id_column.name)
        return list(
            session.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, count))
            )
        )
    if not holds_write_lock(session):
        raise RuntimeError("reserve ids only in a transaction that holds the write lock")
    last = session.scalar(select(func.max(id_column))) or 0
    return list(range(last + 1, last + 1 + count))


def insert_rows(session: Session, model: Model, rows: Rows) -> None:
    """Insert ``rows`` (by column name) into ``model``'s table with one statement."""
    if not rows:
        return
    table = _table(model)
    columns = _columns(table, rows[0])
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        _copy(connection, table, columns, _converted(dialect, table, columns, rows))
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    order = compiled.positiontup if compiled.positional else None
    if order is None or sorted(order) != sorted(columns):
        raise NotImplementedError(f"bulk inserts on {dialect.name}")
    connection.exec_driver_sql(str(compiled), list(_converted(dialect, table, order, rows)))


def _table(model: Model) -> Table:
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


def _columns(table: Table, first: dict[str, Any]) -> list[str]:
    """The columns the rows name (those of the first row), checked against the table."""
    unknown = [name for name in first if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {unknown[0]!r}")
    defaulted = [c.name for c in table.c if c.default is not None and c.name not in first]
    if defaulted:
        raise ValueError(f"{table.name}: give {defaulted[0]!r} (its default is not applied)")
    return list(first)


def _converted(
    dialect: Dialect, table: Table, columns: list[str], rows: Rows
) -> Iterator[tuple[Any, ...]]:
    """Each row as a tuple of driver values, converted by the columns' own types."""
    converters = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in columns
    ]
    for row in rows:
        yield tuple(
            [row[name] if convert is None else convert(row[name]) for name, convert in converters]
        )


def _copy(
    connection: Connection, table: Table, columns: list[str], values: Iterator[tuple[Any, ...]]
) -> None:
    """PostgreSQL's COPY, on the session's own connection (so in its transaction)."""
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in columns)}) FROM STDIN"
    )
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]  # psycopg's
        for row in values:
            copy.write_row(row)
