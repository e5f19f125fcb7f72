"""Keeping the audit log as long as the covenant says, and no longer.

NEN 7513 asks the log be kept at least five years; the covenant may ask longer
(``[audit] retention_years``). Older events are removed only at a signed checkpoint: the
chain then starts at that checkpoint's hash, which the signature vouches for, and
``audit verify`` checks that the checkpoint is older than the retention, so pruning can
never hide a recent event. The database refuses every other deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.models import AuditCheckpoint, AuditEvent, AuditPrune, AuditSubject
from portal.audit.service import record, seal

MIN_RETENTION_YEARS = 5


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class Pruned:
    up_to_seq: int
    events: int


def prune(session: Session, actor: Actor, *, years: int, now: datetime) -> Pruned | None:
    """Remove the events older than ``years`` up to the newest checkpoint signed before then.

    None when there is nothing to remove (no such checkpoint, or already pruned up to it).
    The caller commits; the prune is itself an audit event.
    """
    years = max(years, MIN_RETENTION_YEARS)
    seal(session)
    mark = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.signed_at <= years_before(now, years))
        .order_by(AuditCheckpoint.seq.desc())
        .limit(1)
    ).first()
    done = session.scalar(select(func.max(AuditPrune.up_to_seq))) or 0
    if mark is None or mark.seq <= done:
        return None
    events = select(AuditEvent.id).where(AuditEvent.seq <= mark.seq)
    count = session.scalar(select(func.count()).select_from(events.subquery())) or 0
    # The mark first: the database allows deleting sealed events up to it, nothing else.
    session.add(
        AuditPrune(
            up_to_seq=mark.seq, hash=mark.hash, pruned_at=now, retention_years=years, events=count
        )
    )
    session.flush()
    session.execute(delete(AuditSubject).where(AuditSubject.event_id.in_(events)))
    session.execute(delete(AuditEvent).where(AuditEvent.seq <= mark.seq))
    session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq < mark.seq))
    record(
        session,
        actor,
        "audit.prune",
        detail={"up_to_seq": mark.seq, "events": count, "retention_years": years},
    )
    return Pruned(mark.seq, count)
