"""Who may know a referral exists (its sender and its recipient organisation, nobody else),
and what an active referral grants its recipient."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from handover.models import ACTIVE, Referral
from portal.actor import Actor
from portal.errors import NotFound
from portal.grants import Grant, set_many_grants

#: What a referral's page and API show of each member of the household (the policy point
#: decides each field by its category).
REFERRAL_PERSON_FIELDS = (
    "surname",
    "initials",
    "birth_date",
    "bsn",
    "phone",
    "email",
    "street",
    "house_number",
    "postcode",
    "city",
    "minor",
)


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


def referral_grants(referral: Referral) -> list[Grant]:
    """An active referral lets its recipient see its package (the policy point decides per
    category); a closed one grants nothing."""
    if referral.status not in ACTIVE:
        return []
    return [
        Grant(
            referral.recipient_org_id,
            referral.recipient_role,
            referral.purpose,
            frozenset(referral.categories),
            grant_source(referral),
        )
    ]


def grant_source(referral: Referral) -> str:
    return f"referral:{referral.id}"


def sync_grants(session: Session, referrals: Iterable[Referral]) -> None:
    """Store what each referral grants now: called on every change of their status."""
    set_many_grants(session, {(r.case_id, grant_source(r)): referral_grants(r) for r in referrals})


def expected_grants(session: Session) -> Iterator[tuple[int, Grant]]:
    """Every grant the referrals give now (``portal.grants`` checks the table against it)."""
    active = select(Referral).where(Referral.status.in_(ACTIVE)).order_by(Referral.id)
    for referral in session.scalars(active.execution_options(yield_per=1000)):
        for grant in referral_grants(referral):
            yield referral.case_id, grant
