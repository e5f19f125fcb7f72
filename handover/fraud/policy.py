"""Who works a housing-fraud investigation: the case's owner, and nobody else.

The covenant shares the category ``housing_fraud`` with no partner, so a partner that sees
the case through a referral, a decision or emergency access learns nothing of an
investigation, not even that there is one: to it every page and object here is missing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handover.fraud.models import CourtFile, FraudInvestigation
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.policy import load_own_case
from portal.errors import Forbidden, NotFound


def is_owner(actor: Actor, case: Case) -> bool:
    return (
        actor.kind == "staff"
        and actor.organisation_id is not None
        and actor.organisation_id == case.organisation_id
        and bool(actor.roles & CASEWORK_ROLES)
    )


def require_owner(actor: Actor, case: Case) -> None:
    if not is_owner(actor, case):
        raise Forbidden()


def load_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The owner's case (anyone else: NotFound, like a missing case)."""
    case = load_own_case(session, actor, case_id)
    if not is_owner(actor, case):
        raise NotFound()
    return case


def load_investigation(
    session: Session, actor: Actor, case_id: int, investigation_id: int
) -> FraudInvestigation:
    case = load_case(session, actor, case_id)
    investigation = session.get(FraudInvestigation, investigation_id)
    if investigation is None or investigation.case_id != case.id:
        raise NotFound()
    return investigation


def load_court_file(
    session: Session, actor: Actor, case_id: int, investigation_id: int, version: int
) -> CourtFile:
    investigation = load_investigation(session, actor, case_id, investigation_id)
    found = next((f for f in investigation.court_files if f.version == version), None)
    if found is None:
        raise NotFound()
    return found
