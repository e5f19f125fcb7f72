"""Who may know a referral exists: its sender and its recipient organisation, nobody else."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from handover.models import ACTIVE, Referral
from portal.actor import Actor
from portal.cases.models import Case
from portal.errors import NotFound


def visible_referrals(actor: Actor) -> ColumnElement[bool]:
    if actor.kind != "staff" or actor.organisation_id is None:
        return Referral.id.is_(None)
    return or_(
        Referral.sender_org_id == actor.organisation_id,
        Referral.recipient_org_id == actor.organisation_id,
    )


def load_referral(
    session: Session, actor: Actor, referral_id: int, *loads: ExecutableOption
) -> Referral:
    """The referral, if the actor may know it; ``loads`` bring what the caller will read of it
    in the same statement (eager loads: on PostgreSQL each lazy load is a round trip)."""
    referral = session.scalar(
        select(Referral).where(Referral.id == referral_id, visible_referrals(actor)).options(*loads)
    )
    if referral is None:
        raise NotFound()
    return referral


def cases_shared_with(actor: Actor) -> ColumnElement[bool]:
    """Cases an active referral shows to the actor's organisation (for ``visible_cases``)."""
    if actor.organisation_id is None:
        return Case.id.is_(None)
    return Case.id.in_(
        select(Referral.case_id).where(
            Referral.recipient_org_id == actor.organisation_id, Referral.status.in_(ACTIVE)
        )
    )
