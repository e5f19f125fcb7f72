"""Writing audit events, and sealing them into the hash chain.

Writing and chaining are two steps, so that no request waits on one hot row:

1. ``record`` appends an event *pending*: every NEN 7513 field, but no place in the chain yet
   (``seq``, ``prev_hash`` and ``hash`` empty). A request's events go to the database as one
   multi-row insert, whatever the number of rows a page shows: in the same transaction as
   the change they record, or, for a request that only read (a page view), in a short
   transaction of their own before the page is answered (see ``_write_alone``).
2. ``seal`` (one sealer: ``flask --app wsgi audit seal`` from cron every minute, and before
   ``audit verify`` and ``audit checkpoint``) gives the pending events, in the order they were
   written, their ``seq`` and chain hashes, and moves the head. Like a Certificate
   Transparency log merging its entries within a maximum merge delay: until it runs, a
   pending event is protected by the database triggers (the only change allowed to an event
   is sealing it once), not yet by the chain; ``audit verify`` reports pending events older
   than ``MERGE_DELAY``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.models import AuditEvent, AuditHead, AuditSubject
from portal.db import holds_write_lock, utcnow, write_lock, writes_first

#: The fields a hash covers, in order, per version of the canonical form: every column but
#: the id and the hashes. Version 1 is kept so events written before version 2 still verify.
HASHED: dict[int, tuple[str, ...]] = {
    1: (
        "seq",
        "occurred_at",
        "actor_kind",
        "actor_label",
        "user_id",
        "organisation_id",
        "role",
        "action",
        "case_id",
        "person_id",
        "categories",
        "basis",
        "request_id",
        "client_addr",
        "detail",
    ),
}
HASHED[2] = ("version", *HASHED[1], "processing_activity", "on_behalf_of", "subjects")
VERSION = 2
#: Every column any version hashes (what the sealer and the verifier read).
HASHED_FIELDS = HASHED[VERSION]
#: The longest an event may wait for its place in the chain before ``audit verify`` fails.
MERGE_DELAY = timedelta(minutes=10)
#: Events sealed per statement batch.
SEAL_BATCH = 5_000

#: ``session.info`` keys: the events of a transaction that has not written yet, and whether
#: it has (then events simply join it).
_PENDING = "audit_pending"
_WROTE = "audit_wrote"


def canonical(event: Mapping[Any, Any]) -> bytes:
    """The bytes a hash covers: the fields of the event's version as a JSON array."""
    values = [
        value.isoformat() if name == "occurred_at" else value
        for name in HASHED[event.get("version") or 1]
        for value in (event[name],)
    ]
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode()


def canonical_json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def chain_hash(prev_hash: str, event: Mapping[Any, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    case_id: int | None = None,
    person_id: int | None = None,
    categories: Iterable[str] = (),
    basis: str | None = None,
    detail: dict[str, Any] | None = None,
    processing_activity: str | None = None,
    subjects: Iterable[tuple[int, str | None]] = (),
) -> AuditEvent:
    """Append one event (pending) to the log; it is written with the transaction.

    ``subjects`` are the cases, with the basis for each, of an event about many cases (a
    list page writes one event for all it shows). Its ``id`` is known after the next flush;
    its ``seq`` once the sealer ran.
    """
    listed = sorted(dict(subjects).items())
    row = AuditEvent(
        version=VERSION,
        occurred_at=utcnow(),
        actor_kind=actor.kind,
        actor_label=actor.label,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        role=actor.primary_role,
        action=action,
        case_id=case_id,
        person_id=person_id if person_id is not None else actor.person_id,
        categories=",".join(sorted(set(categories))),
        basis=basis,
        request_id=actor.request_id,
        client_addr=actor.client_addr,
        detail=canonical_json(detail or {}),
        processing_activity=processing_activity,
        on_behalf_of=actor.on_behalf_of,
        subjects=json.dumps(listed, separators=(",", ":")) if listed else "",
        subject_rows=[AuditSubject(case_id=case) for case, _basis in listed],
    )
    if session.info.get(_WROTE):
        session.add(row)
    else:
        session.info.setdefault(_PENDING, []).append(row)
    return row


def record_read(
    session: Session,
    actor: Actor,
    view: str,
    *,
    case_id: int | None = None,
    person_id: int | None = None,
    **detail: Any,
) -> None:
    """Reading the log is itself logged (NEN 7513: who looked at the log, and at what). The
    event carries no data category, so the tenant's list of accesses never shows it back."""
    record(
        session,
        actor,
        "audit.read",
        case_id=case_id,
        person_id=person_id,
        detail={"view": view, **detail},
    )


def write_now(session: Session) -> None:
    """Write this transaction's events now, in it (they get their ids)."""
    session.add_all(session.info.pop(_PENDING, []))
    session.flush()


@event.listens_for(Session, "before_flush")
def _join_the_write(session: Session, _context: Any, _instances: Any) -> None:
    """The transaction writes: its events are inserted with it (one statement per flush)."""
    session.info[_WROTE] = True
    session.add_all(session.info.pop(_PENDING, []))


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not _writes(session):
        _write_alone(bind, pending)
    else:
        session.add_all(pending)


def _writes(session: Session) -> bool:
    """Whether this transaction writes anyway (then the events join it)."""
    changes = session.info.get(_WROTE) or session.new or session.dirty or session.deleted
    return bool(changes) or writes_first() or holds_write_lock(session)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end(session: Session) -> None:
    session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WROTE, None)


def _write_alone(bind: Any, rows: list[AuditEvent]) -> None:
    """The events of a transaction that only read, in a short write of their own.

    Why (SQLite only): a transaction that has read and then writes is refused at once
    ("database is locked") when another connection wrote in between; a transaction that
    starts by taking the write lock waits for it instead. There is no change for these
    events to be atomic with, and they are durable before the page is answered.
    """
    if isinstance(bind, Connection):  # a test's connection: a savepoint on it
        with bind.begin_nested():
            _insert(bind, rows)
        return
    with write_lock(), bind.begin() as conn:
        _insert(conn, rows)


def _insert(conn: Connection, rows: list[AuditEvent]) -> None:
    """One multi-row insert of the events (and one of their subjects, if any)."""
    values = [{name: getattr(row, name) for name in HASHED_FIELDS if name != "seq"} for row in rows]
    if not any(row.subject_rows for row in rows):
        conn.execute(insert(AuditEvent), values)
        return
    ids = conn.scalars(
        insert(AuditEvent).returning(AuditEvent.id, sort_by_parameter_order=True), values
    ).all()
    conn.execute(
        insert(AuditSubject),
        [
            {"event_id": event_id, "case_id": subject.case_id}
            for event_id, row in zip(ids, rows, strict=True)
            for subject in row.subject_rows
        ],
    )


# --- sealing ------------------------------------------------------------------------------------


def seal(session: Session, *, batch: int = SEAL_BATCH) -> int:
    """Give every pending event its place in the chain, oldest first; how many were sealed.

    One sealer at a time: the head row is locked first (PostgreSQL row lock; the write lock
    on SQLite), so two sealers queue and the chain never forks. The caller commits. Events this
    session recorded and has not written yet are written and sealed too.
    """
    write_now(session)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    columns = [AuditEvent.id, *(getattr(AuditEvent, n) for n in HASHED_FIELDS if n != "seq")]
    sealed = 0
    while True:
        rows = session.execute(
            select(*columns).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(batch)
        ).mappings()
        changes = []
        for row in rows:
            fields = {**row, "seq": head.seq + 1}
            digest = chain_hash(head.hash, fields)
            changes.append(
                {"id": row["id"], "seq": fields["seq"], "prev_hash": head.hash, "hash": digest}
            )
            head.seq, head.hash = fields["seq"], digest
        if not changes:
            break
        session.execute(update(AuditEvent), changes)
        sealed += len(changes)
    session.flush()
    return sealed


def oldest_pending(session: Session) -> datetime | None:
    """When the oldest event still waiting for the sealer was written."""
    return session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.seq.is_(None))
        .order_by(AuditEvent.id)
        .limit(1)
    )
