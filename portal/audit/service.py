"""Writing audit events, in the same transaction as the action they record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.models import AuditEvent, AuditHead
from portal.db import utcnow


def canonical(event: AuditEvent) -> bytes:
    """The bytes a hash covers: every field but the hashes, in a fixed order."""
    body = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_kind": event.actor_kind,
        "actor_label": event.actor_label,
        "user_id": event.user_id,
        "organisation_id": event.organisation_id,
        "role": event.role,
        "action": event.action,
        "case_id": event.case_id,
        "person_id": event.person_id,
        "categories": list(event.categories),
        "basis": event.basis,
        "request_id": event.request_id,
        "client_addr": event.client_addr,
        "detail": event.detail,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
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
    event = AuditEvent(
        seq=head.seq,
        occurred_at=utcnow(),
        actor_kind=actor.kind,
        actor_label=actor.label,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        role=actor.primary_role,
        action=action,
        case_id=case_id,
        person_id=person_id if person_id is not None else actor.person_id,
        categories=sorted(set(categories)),
        basis=basis,
        request_id=actor.request_id,
        client_addr=actor.client_addr,
        detail=detail or {},
        prev_hash=head.hash,
    )
    event.hash = chain_hash(head.hash, event)
    head.hash = event.hash
    session.add(event)
    session.flush()
    return event
