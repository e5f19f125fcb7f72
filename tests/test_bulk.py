"""Bulk writes (``portal.bulk``): rows with ids reserved first, through their columns' types,
in the session's transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import uuid

import pytest
from sqlalchemy import select

from portal import bulk
from portal.accounts.models import Organisation
from portal.cases.models import Signal
from portal.db import utcnow
from portal.workdays import local_today


def test_rows_go_in_under_the_ids_reserved_for_them(session, make_org):
    make_org("corporatie")  # a write: on SQLite the transaction now holds the write lock
    ids = bulk.reserve_ids(session, Organisation, 3)
    assert len(set(ids)) == 3
    now = utcnow()
    bulk.insert_rows(
        session,
        Organisation,
        [{"id": i, "slug": f"bulk-{i}", "name": f"Bulk {i}", "created_at": now} for i in ids],
    )
    stored = session.execute(
        select(Organisation.id, Organisation.slug, Organisation.created_at).where(
            Organisation.id.in_(ids)
        )
    ).all()
    assert sorted(stored) == [(i, f"bulk-{i}", now) for i in ids]
    assert bulk.reserve_ids(session, Organisation, 1)[0] > max(ids)


def test_sqlite_reserves_ids_only_under_the_write_lock(session, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL takes ids from the sequence")
    with pytest.raises(RuntimeError):
        bulk.reserve_ids(session, Organisation, 2)


def test_a_column_with_a_default_must_be_given(session):
    with pytest.raises(ValueError, match="created_at"):
        bulk.insert_rows(session, Organisation, [{"slug": "x", "name": "X"}])
    with pytest.raises(ValueError, match="no column"):
        bulk.insert_rows(
            session, Organisation, [{"slug": "x", "name": "X", "created_at": utcnow(), "nope": 1}]
        )


def test_plaintext_never_reaches_an_encrypted_column(session, make_org):
    """The values go through the column types: an encrypted column takes sealed values only,
    on the COPY path as on any other."""
    org = make_org("corporatie")
    row = {
        "case_id": 1,
        "organisation_id": org.id,
        "created_by_id": None,
        "kinds": ["arrears"],
        "signal_date": local_today(),
        "source": "import",
        "import_job_id": None,
        "created_at": utcnow(),
        "row_uid": uuid.uuid4(),
        "arrears_cents": 12_345,  # plaintext
        "arrears_months": None,
    }
    with pytest.raises(TypeError, match="sealed"):
        bulk.insert_rows(session, Signal, [row])


def test_the_collector_is_off_during_bulk_writes_and_back_after():
    assert gc.isenabled()
    with bulk.collector_paused():
        assert not gc.isenabled()
        with bulk.collector_paused():  # another import at the same time
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
