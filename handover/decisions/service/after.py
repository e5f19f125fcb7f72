"""After the outcome: a dissenting view, the timeline of what followed, the new tenancy
agreement of a trajectory."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from handover.decisions import policy
from handover.decisions.models import (
    TIMELINE_KINDS,
    Assignment,
    Decision,
    DecisionDissent,
    DecisionTimelineEntry,
    Trajectory,
)
from handover.decisions.service._common import (
    audit,
    clean_text,
    lock,
)
from portal.actor import Actor
from portal.db import lock_row, utcnow
from portal.errors import DomainError
from portal.workdays import local_date

# --- after the outcome -----------------------------------------------------------------------


def add_dissent(
    session: Session, actor: Actor, decision: Decision, text: str, *, now: datetime | None = None
) -> DecisionDissent:
    """An outvoted partner records its dissent; it is kept beside the seal, not in it."""
    now = now or utcnow()
    policy.require(actor, decision, policy.DISSENT, now=now)
    body = clean_text(text, required=True, what=_l("uw afwijkend standpunt"))
    dissent = DecisionDissent(
        organisation_id=actor.organisation_id, user_id=actor.user_id, recorded_at=now
    )
    decision.dissents.append(dissent)
    dissent.text = body
    session.flush()
    audit(session, actor, "decision.dissent", decision, wrote_text=True)
    return dissent


def add_timeline_entry(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    kind: str,
    happens_on: date,
    note: str | None,
    now: datetime | None = None,
) -> DecisionTimelineEntry:
    """A date on the case's shared eviction timeline, visible to every partner involved."""
    now = now or utcnow()
    policy.require(actor, decision, policy.TIMELINE, now=now)
    if kind not in TIMELINE_KINDS:
        raise DomainError(_l("Kies wat voor datum het is."))
    text = clean_text(note, required=False, what=_l("een toelichting"))
    entry = DecisionTimelineEntry(
        case=decision.case,
        decision_id=decision.id,
        kind=kind,
        happens_on=happens_on,
        organisation_id=actor.organisation_id,
        user_id=actor.user_id,
        created_at=now,
    )
    if text:
        entry.note = text
    session.add(entry)
    session.flush()
    audit(
        session,
        actor,
        "decision.timeline_added",
        decision,
        wrote_text=bool(text),
        timeline_kind=kind,
    )
    return entry


def record_tenancy_agreement(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    signed_on: date,
    note: str | None,
    now: datetime | None = None,
) -> Trajectory:
    """The corporation records the new conditional tenancy agreement of a started trajectory."""
    policy.require_party(actor, decision, policy.TENANCY)
    now = now or utcnow()
    decision = lock(session, decision)
    policy.require(actor, decision, policy.TENANCY, now=now)
    trajectory = decision.trajectory
    assert trajectory is not None  # require() refused a decision without a started trajectory
    if signed_on > local_date(now):
        raise DomainError(_l("De datum van ondertekening ligt in de toekomst."))
    text = clean_text(note, required=False, what=_l("een toelichting"))
    trajectory.tenancy_signed_on = signed_on
    if text:
        trajectory.tenancy_note = text
    trajectory.tenancy_recorded_by_id = actor.user_id
    trajectory.tenancy_recorded_at = now
    trajectory.updated_at = now
    session.flush()
    audit(session, actor, "decision.tenancy_recorded", decision, wrote_text=bool(text))
    return trajectory


def record_bailiff_instructed(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    instructed_on: date,
    now: datetime | None = None,
) -> Assignment:
    """The corporation records that it gave the bailiff the assignment (once). A hold the
    covenant makes blocking (the shelter hand-over of a family with minors) refuses it with
    its reason; an advisory one is recorded in the audit log with the step."""
    policy.require_party(actor, decision, policy.BAILIFF)
    now = now or utcnow()
    decision = lock(session, decision)
    if decision.assignment is not None:
        lock_row(session, decision.assignment)
    policy.require(actor, decision, policy.BAILIFF, now=now)
    assignment = decision.assignment
    assert assignment is not None  # require() refused a decision without an assignment
    if instructed_on > local_date(now):
        raise DomainError(_l("De datum ligt in de toekomst."))
    advised = policy.bailiff_holds(session, decision)
    assignment.bailiff_instructed_on = instructed_on
    assignment.bailiff_instructed_at = now
    assignment.bailiff_instructed_by_id = actor.user_id
    assignment.updated_at = now
    session.flush()
    audit(
        session,
        actor,
        "decision.bailiff_instructed",
        decision,
        on=instructed_on.isoformat(),
        advised_to_wait=bool(advised),
    )
    return assignment
