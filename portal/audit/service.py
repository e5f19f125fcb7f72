"""Writing audit events, in the same transaction as the action they record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.models import AuditEvent, AuditHead
from portal.db import utcnow

#: The fields a hash covers, in order: every column but the id and the hashes.
HASHED_FIELDS = (
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
)


def canonical(event: Mapping[Any, Any]) -> bytes:
    """The bytes a hash covers: the fields as a JSON array in ``HASHED_FIELDS`` order."""
    values = [event[name] for name in HASHED_FIELDS]
    values[1] = values[1].isoformat()
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
) -> AuditEvent:
    """Append one event to the chain.

    The head row is updated before it is read, so concurrent writers queue on its row lock
    (PostgreSQL) or on the write lock (SQLite) and the chain never forks.
    """
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    session.refresh(head)
    fields: dict[str, Any] = {
        "seq": head.seq,
        "occurred_at": utcnow(),
        "actor_kind": actor.kind,
        "actor_label": actor.label,
        "user_id": actor.user_id,
        "organisation_id": actor.organisation_id,
        "role": actor.primary_role,
        "action": action,
        "case_id": case_id,
        "person_id": person_id if person_id is not None else actor.person_id,
        "categories": ",".join(sorted(set(categories))),
        "basis": basis,
        "request_id": actor.request_id,
        "client_addr": actor.client_addr,
        "detail": canonical_json(detail or {}),
    }
    event = AuditEvent(**fields, prev_hash=head.hash, hash=chain_hash(head.hash, fields))
    head.hash = event.hash
    session.add(event)
    session.flush()
    return event
