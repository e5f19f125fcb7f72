"""The deadlines the portal keeps itself (``flask sla check``): referrals nobody answered in
time expire, an overdue first contact is flagged once, and a stuck next step alerts the
coordinating role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.models import Referral
from handover.service.common import lock, move, notify_party
from portal.actor import Actor
from portal.audit.service import record
from portal.db import utcnow


@dataclass
class SlaResult:
    expired: list[int] = field(default_factory=list)
    first_contact_overdue: list[int] = field(default_factory=list)
    #: Referrals whose next step nobody chose in time: the coordinating role was alerted.
    stuck: list[int] = field(default_factory=list)


def check_sla(session: Session, *, now: datetime | None = None) -> SlaResult:
    """Expire referrals nobody answered in time (and escalate them as the covenant says);
    warn once when first contact is overdue; alert the coordinating role once when a sender
    let the choice of the next step pass."""
    from handover.escalation import check_escalations, referral_ended  # builds on this module

    now = now or utcnow()
    actor = Actor.system("cli:sla check")
    result = SlaResult()
    overdue = session.scalars(
        select(Referral).where(Referral.status == "sent", Referral.response_due_at < now)
    ).all()
    for referral in overdue:
        locked = lock(session, referral, None)
        if locked.status != "sent":
            continue
        locked.closed_at = now
        move(session, actor, locked, "expire", "expired", now=now)
        notify_party(
            session,
            locked.sender_org_id,
            locked,
            "Overdracht verlopen: geen reactie binnen de termijn",
        )
        referral_ended(session, locked, now=now)
        result.expired.append(locked.id)
    late = session.scalars(
        select(Referral).where(
            Referral.status == "accepted",
            Referral.first_contact_at.is_(None),
            Referral.first_contact_due_at < now,
            Referral.overdue_notified_at.is_(None),
        )
    ).all()
    for referral in late:
        referral.overdue_notified_at = now
        record(
            session,
            actor,
            "referral.first_contact_overdue",
            case_id=referral.case_id,
            detail={"referral": referral.id},
        )
        for org_id in (referral.recipient_org_id, referral.sender_org_id):
            notify_party(session, org_id, referral, "Termijn voor eerste contact verstreken")
        result.first_contact_overdue.append(referral.id)
    result.stuck = check_escalations(session, now=now)
    session.flush()
    return result
