"""Who may know a decision exists, and what each party may do with it now.

Only the organisation that opened it and its required voters know a decision: anyone else
gets the same answer as for a decision that does not exist (404). What each of them may *see*
of the case is still decided per category by the policy point, from what the decision
grants its voters (``decision_grants``, stored in ``case_grant`` by the services).

What a party may *do* has one home, ``refusal``: the service refuses with its answer and the
page offers the buttons of ``allowed_actions``, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from handover.decisions.models import GRANTING, OPEN, Decision, DecisionVoter
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.cases.models import Case
from portal.covenant.rules import Covenant, NoActiveCovenant, UnknownCode, active_covenant
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.grants import Grant, set_grants

#: What a party can do with a decision. ``prepare`` is the owner's work before the vote:
#: confirming prevention steps, the trajectory's terms and opening the vote (which also
#: needs a complete record, ``service.open_items``).
PREPARE = "prepare"
WITHDRAW = "withdraw"
VOTE = "vote"
DISSENT = "dissent"
TIMELINE = "timeline"
TENANCY = "tenancy"
#: The corporation records that it gave the bailiff the assignment (an approved eviction).
BAILIFF = "bailiff"


@dataclass(frozen=True)
class BailiffHold:
    """Why the bailiff should wait: in words, what is still missing, and whether the
    covenant makes it wait (``blocking``) or only advises it."""

    message: str
    missing: tuple[str, ...]
    blocking: bool
    #: Where it is being done (the hand-over's page), for the owner.
    url: str | None = None
    link_text: str | None = None
    #: A partner's own words on why (a row and its personal field, e.g. the reason the
    #: shelter point declined): the page reads it through the policy point, never the hold.
    reason: tuple[Any, str] | None = None


BailiffCheck = Callable[[Session, "Decision"], BailiffHold | None]
_bailiff_checks: list[BailiffCheck] = []


def register_bailiff_check(check: BailiffCheck) -> None:
    """A room that must be done before the bailiff comes plugs in here (the shelter
    hand-over); the decision page shows its hold and the service refuses by it."""
    if check not in _bailiff_checks:
        _bailiff_checks.append(check)


def bailiff_holds(session: Session, decision: Decision) -> list[BailiffHold]:
    return [hold for check in _bailiff_checks if (hold := check(session, decision)) is not None]


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


def decision_grants(session: Session, decision: Decision) -> list[Grant]:
    """Every required voter of an open or decided decision may see the decision's package.

    The package is what the covenant in force gives the voter's role under the decision's
    purpose; the policy point still decides per category (legal basis, consent). A role the
    covenant no longer knows gets an empty package: the voter still knows the case.
    """
    if decision.status not in GRANTING:
        return []
    try:
        covenant: Covenant | None = active_covenant(session)
    except NoActiveCovenant:
        covenant = None
    return [
        Grant(
            voter.organisation_id,
            role,
            decision.purpose,
            _package(covenant, decision.purpose, role),
            grant_source(decision),
        )
        for voter in decision.voters
        for role in voter.roles
    ]


def _package(covenant: Covenant | None, purpose: str, role: str) -> frozenset[str]:
    if covenant is None:
        return frozenset()
    try:
        return frozenset(covenant.sharing_package(purpose, role))
    except UnknownCode:
        return frozenset()


def grant_source(decision: Decision) -> str:
    return f"decision:{decision.id}"


def sync_grants(session: Session, decision: Decision) -> None:
    """Store what the decision grants now: called when its voters or its status change."""
    set_grants(
        session, decision.case_id, grant_source(decision), decision_grants(session, decision)
    )


def expected_grants(session: Session) -> Iterator[tuple[int, Grant]]:
    """Every grant the decisions give now (``portal.grants`` checks the table against it)."""
    granting = (
        select(Decision)
        .where(Decision.status.in_(GRANTING))
        .order_by(Decision.id)
        .options(selectinload(Decision.voters))
    )
    for decision in session.scalars(granting):
        for grant in decision_grants(session, decision):
            yield decision.case_id, grant


# --- what a party may do --------------------------------------------------------------------


def casework_staff(actor: Actor) -> bool:
    return actor.kind == "staff" and bool(actor.roles & CASEWORK_ROLES)


def outvoted(decision: Decision, organisation_id: int | None) -> bool:
    """A voter whose position lost: it agreed and the decision was refused, or the reverse."""
    voter = decision.voter_for(organisation_id)
    if voter is None or decision.outcome is None:
        return False
    return (voter.position == "agree" and decision.outcome == "refused") or (
        voter.position == "disagree" and decision.outcome == "approved"
    )


def _owner(actor: Actor, decision: Decision) -> DomainError | None:
    """The owner's actions: a voter learns it may not (403), anyone else finds nothing."""
    if actor.organisation_id == decision.organisation_id:
        return None
    return NotFound() if decision.voter_for(actor.organisation_id) is None else Forbidden()


def _voter(actor: Actor, decision: Decision) -> DomainError | None:
    """The voters' actions: the owner (when it does not vote) may not, anyone else finds
    nothing."""
    if decision.voter_for(actor.organisation_id) is not None:
        return None
    return NotFound() if actor.organisation_id != decision.organisation_id else Forbidden()


def _party(actor: Actor, decision: Decision) -> DomainError | None:
    """The owner's and the voters' actions (the shared timeline)."""
    if actor.organisation_id == decision.organisation_id:
        return None
    return None if decision.voter_for(actor.organisation_id) is not None else NotFound()


def _preparing(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    if decision.status != "preparing":
        return Conflict(_l("Dit besluit wordt niet meer voorbereid."))
    return None


def _withdrawable(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    if decision.status not in OPEN:
        return Conflict(_l("Dit besluit kan niet meer worden ingetrokken."))
    return None


def _vote_open(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    if decision.status != "voting":
        return Conflict(_l("De stemming over dit besluit is niet open."))
    if decision.deadline_at is not None and now >= decision.deadline_at:
        return DomainError(_l("De termijn om te stemmen is verstreken."))
    return None


def _dissent_due(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    if decision.status != "decided":
        return Conflict(_l("Een afwijkend standpunt kan pas na de uitkomst."))
    if not outvoted(decision, actor.organisation_id):
        return DomainError(
            _l("Alleen een partner die is overstemd, kan een afwijkend standpunt vastleggen.")
        )
    return None


def _not_withdrawn(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    if decision.status == "withdrawn":
        return Conflict(_l("Dit besluit is ingetrokken."))
    return None


def _tenancy_due(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    trajectory = decision.trajectory
    if decision.status != "decided" or trajectory is None or trajectory.status != "active":
        return Conflict(_l("Er loopt geen traject bij dit besluit."))
    if trajectory.tenancy_signed_on is not None:
        return Conflict(_l("De huurovereenkomst is al vastgelegd."))
    return None


def _bailiff_due(actor: Actor, decision: Decision, now: datetime) -> DomainError | None:
    assignment = decision.assignment
    if decision.status != "decided" or assignment is None or assignment.status != "issued":
        return Conflict(_l("Er loopt geen opdracht tot ontruiming bij dit besluit."))
    if assignment.bailiff_instructed_on is not None:
        return Conflict(_l("De opdracht aan de deurwaarder is al vastgelegd."))
    session = object_session(decision)
    for hold in bailiff_holds(session, decision) if session is not None else []:
        if hold.blocking:
            return Conflict(hold.message)
    return None


Party = Callable[[Actor, Decision], DomainError | None]
State = Callable[[Actor, Decision, datetime], DomainError | None]

#: Per action: who may take it, and when. Each answers the refusal, or None.
RULES: dict[str, tuple[Party, State]] = {
    PREPARE: (_owner, _preparing),
    WITHDRAW: (_owner, _withdrawable),
    VOTE: (_voter, _vote_open),
    DISSENT: (_voter, _dissent_due),
    TIMELINE: (_party, _not_withdrawn),
    TENANCY: (_owner, _tenancy_due),
    BAILIFF: (_owner, _bailiff_due),
}


def party_refusal(actor: Actor, decision: Decision, action: str) -> DomainError | None:
    """Why the actor is not a party to the action at all (403 or 404), or None."""
    if not casework_staff(actor):
        return Forbidden()
    return RULES[action][0](actor, decision)


def refusal(
    actor: Actor, decision: Decision, action: str, *, now: datetime | None = None
) -> DomainError | None:
    """Why the actor may not take the action on the decision now, as the error the service
    raises; None when it may."""
    error = party_refusal(actor, decision, action)
    if error is None:
        error = RULES[action][1](actor, decision, now or utcnow())
    return error


def allowed_actions(
    actor: Actor, decision: Decision, *, now: datetime | None = None
) -> frozenset[str]:
    """The actions the actor may take on the decision now: the page's buttons."""
    now = now or utcnow()
    return frozenset(a for a in RULES if refusal(actor, decision, a, now=now) is None)


def require_party(actor: Actor, decision: Decision, action: str) -> None:
    """Refuse an actor who is no party to the action (checked before reading any input)."""
    if (error := party_refusal(actor, decision, action)) is not None:
        raise error


def require(actor: Actor, decision: Decision, action: str, *, now: datetime | None = None) -> None:
    """Refuse the action unless ``allowed_actions`` would offer it (on the locked row)."""
    if (error := refusal(actor, decision, action, now=now)) is not None:
        raise error
