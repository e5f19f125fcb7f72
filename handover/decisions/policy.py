"""Who may know a decision exists: the organisation that opened it and its required voters.

Anyone else gets the same answer as for a decision that does not exist (404). What each of
them may *see* of the case is still decided per category by the policy point.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from handover.decisions.models import GRANTING, Decision, DecisionVoter
from portal.actor import Actor
from portal.cases.models import Case
from portal.errors import NotFound


def visible_decisions(actor: Actor) -> ColumnElement[bool]:
    if actor.kind != "staff" or actor.organisation_id is None:
        return Decision.id.is_(None)
    return or_(
        Decision.organisation_id == actor.organisation_id,
        Decision.id.in_(
            select(DecisionVoter.decision_id).where(
                DecisionVoter.organisation_id == actor.organisation_id
            )
        ),
    )


def load_decision(session: Session, actor: Actor, decision_id: int) -> Decision:
    decision = session.scalar(
        select(Decision).where(Decision.id == decision_id, visible_decisions(actor))
    )
    if decision is None:
        raise NotFound()
    return decision


def decisions_of_case(session: Session, actor: Actor, case: Case) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.case_id == case.id, visible_decisions(actor))
            .order_by(Decision.id.desc())
        )
    )


def cases_shared_with(actor: Actor) -> ColumnElement[bool]:
    """Cases a decision shows to the actor's organisation as a required voter."""
    if actor.organisation_id is None:
        return Case.id.is_(None)
    return Case.id.in_(
        select(Decision.case_id)
        .join(DecisionVoter, DecisionVoter.decision_id == Decision.id)
        .where(
            DecisionVoter.organisation_id == actor.organisation_id,
            Decision.status.in_(GRANTING),
        )
    )
