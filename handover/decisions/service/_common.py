"""What the steps of a decision share: text rules, the voters, the row lock, audit and e-mail."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.decisions import policy
from handover.decisions.models import (
    Decision,
    DecisionVoter,
)
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.service import is_minor
from portal.covenant.models import CovenantVersion
from portal.covenant.rules import (
    Covenant,
    covenant_of,
)
from portal.db import lock_row
from portal.errors import Conflict, DomainError
from portal.links import external_url
from portal.outbox.notices import notify_casework

TEXT_MIN = 10
TEXT_MAX = 4000
#: The longest trajectory the form accepts (ten years).
MAX_MONTHS = 120


# --- helpers --------------------------------------------------------------------------------


def clean_text(value: str | None, *, required: bool, what: Any) -> str | None:
    text = (value or "").strip()
    if required and len(text) < TEXT_MIN:
        raise DomainError(_l("Schrijf %(what)s (minstens %(n)s tekens).", what=what, n=TEXT_MIN))
    if len(text) > TEXT_MAX:
        raise DomainError(_l("De tekst is te lang (maximaal %(n)s tekens).", n=TEXT_MAX))
    return text or None


def covenant_for(session: Session, decision: Decision) -> Covenant:
    """The rules the decision was opened under (its covenant version)."""
    return covenant_of(session.get_one(CovenantVersion, decision.covenant_version_id))


def minors_present(case: Case) -> bool:
    return any(is_minor(p) for p in case.persons)


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RequiredVoter:
    organisation: Organisation
    roles: tuple[str, ...]
    veto: bool


def required_voters(
    session: Session, covenant: Covenant, kind: str, *, minors: bool
) -> list[RequiredVoter]:
    """The organisations that must vote: every partner playing a required role, once each."""
    voting = covenant.voters(kind, minors_present=minors)
    by_slug: dict[str, list[str]] = {}
    for role in voting.required_roles:
        for slug in covenant.partners_with_role(role):
            by_slug.setdefault(slug, []).append(role)
    orgs = {
        o.slug: o
        for o in session.scalars(select(Organisation).where(Organisation.slug.in_(by_slug)))
    }
    return [
        RequiredVoter(orgs[slug], tuple(roles), any(r in voting.veto_roles for r in roles))
        for slug, roles in by_slug.items()
        if slug in orgs
    ]


def sync_voters(session: Session, decision: Decision, covenant: Covenant) -> None:
    """Make the voter rows match the covenant's rules for the household as it is now, and
    what the decision grants match its voters."""
    decision.minors_present = minors_present(decision.case)
    wanted = {
        v.organisation.id: v
        for v in required_voters(session, covenant, decision.kind, minors=decision.minors_present)
    }
    for voter in list(decision.voters):
        if voter.organisation_id not in wanted and voter.position is None:
            decision.voters.remove(voter)
    for org_id, want in wanted.items():
        found = decision.voter_for(org_id)
        if found is None:
            decision.voters.append(
                DecisionVoter(
                    organisation=want.organisation, roles=list(want.roles), veto=want.veto
                )
            )
        elif found.roles != list(want.roles) or found.veto != want.veto:
            found.roles, found.veto = list(want.roles), want.veto
    session.flush()
    policy.sync_grants(session, decision)


def lock(session: Session, decision: Decision, expected_version: int | None = None) -> Decision:
    """Lock the decision row and re-read it (and its voters); refuse a stale form."""
    locked = lock_row(session, decision)
    session.scalars(
        select(DecisionVoter)
        .where(DecisionVoter.decision_id == locked.id)
        .execution_options(populate_existing=True)
    ).all()
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def notify(
    session: Session, organisation_ids: Iterable[int], decision: Decision, what: str
) -> None:
    """E-mail the organisations' casework staff what happened to the decision."""
    reference = decision.case.reference
    notify_casework(
        session,
        organisation_ids,
        subject=f"{what} ({reference})",
        lines=[f"{what}.", "", f"Casus: {reference}", f"Besluit: {decision.id}"],
        link=external_url("decisions.detail", decision_id=decision.id),
        kind="decision",
    )


def voter_orgs(decision: Decision) -> list[int]:
    return [v.organisation_id for v in decision.voters]


def audit(
    session: Session,
    actor: Actor,
    action: str,
    decision: Decision,
    *,
    wrote_text: bool = False,
    **detail: Any,
):
    return record(
        session,
        actor,
        action,
        case_id=decision.case_id,
        categories=["identity"] if wrote_text else [],
        detail={"decision": decision.id, **detail},
    )
