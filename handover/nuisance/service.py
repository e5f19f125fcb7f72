"""Nuisance files: record a report, make an agreement with the tenant, follow it up.

Only the case's owner (the corporation) keeps its nuisance file: a partner involved in the
approach (the social district team, the police: referrals under the covenant's nuisance
purpose) sees the reports and agreements its package allows, through the policy point, and
never who reported (``reporter``, shared with no one). Every change is audited; following an
agreement up is a guarded update on a plain ``settled_at``, so two people at once give one
outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handover.nuisance.models import (
    KINDS,
    NUISANCE,
    REPORTER,
    SETTLED,
    SOURCES,
    NuisanceAgreement,
    NuisanceReport,
)
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.db import changed_rows, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.workdays import local_today

TEXT_MAX = 2000
SHORT_MAX = 200
#: What the nuisance approach refers under (``docs/covenant-example.toml``).
PURPOSE = "nuisance_approach"


@dataclass(frozen=True)
class ReportData:
    reported_on: date
    kind: str
    source: str
    description: str
    reporter_name: str | None = None
    reporter_contact: str | None = None


@dataclass(frozen=True)
class AgreementData:
    made_on: date
    text: str
    until: date | None = None


def may_keep(actor: Actor, case: Case) -> bool:
    """The owner's caseworkers keep the nuisance file."""
    return (
        actor.kind == "staff"
        and bool(actor.roles & CASEWORK_ROLES)
        and actor.organisation_id == case.organisation_id
    )


def _require_keeper(actor: Actor, case: Case) -> int:
    if not may_keep(actor, case):
        raise Forbidden()
    assert actor.organisation_id is not None
    return actor.organisation_id


def _text(value: str | None, *, required: bool, limit: int, field: str) -> str | None:
    text = (value or "").strip()
    if required and len(text) < 3:
        raise DomainError(_l("Beschrijf kort wat er is gebeurd."), field=field)
    if len(text) > limit:
        raise DomainError(_l("Te lang (maximaal %(n)s tekens).", n=limit), field=field)
    return text or None


def _not_future(day: date, field: str) -> None:
    if day > local_today():
        raise DomainError(_l("Deze datum ligt in de toekomst."), field=field)


def add_report(session: Session, actor: Actor, case: Case, data: ReportData) -> NuisanceReport:
    org = _require_keeper(actor, case)
    if data.kind not in KINDS:
        raise DomainError(_l("Kies wat voor overlast het is."), field="kind")
    if data.source not in SOURCES:
        raise DomainError(_l("Kies wie de overlast meldde."), field="source")
    _not_future(data.reported_on, "reported_on")
    report = NuisanceReport(
        case=case,
        organisation_id=org,
        recorded_by_id=actor.user_id,
        reported_on=data.reported_on,
        kind=data.kind,
        source=data.source,
        description=_text(data.description, required=True, limit=TEXT_MAX, field="description"),
        reporter_name=_text(
            data.reporter_name, required=False, limit=SHORT_MAX, field="reporter_name"
        ),
        reporter_contact=_text(
            data.reporter_contact, required=False, limit=SHORT_MAX, field="reporter_contact"
        ),
    )
    session.add(report)
    session.flush()
    categories = [NUISANCE] + (
        [REPORTER] if report.reporter_name or report.reporter_contact else []
    )
    record(
        session,
        actor,
        "nuisance.report",
        case_id=case.id,
        categories=categories,
        detail={"report": report.id},
    )
    return report


def add_agreement(
    session: Session, actor: Actor, case: Case, data: AgreementData
) -> NuisanceAgreement:
    org = _require_keeper(actor, case)
    _not_future(data.made_on, "made_on")
    if data.until is not None and data.until < data.made_on:
        raise DomainError(_l("'Geldt tot' ligt voor de dag van de afspraak."), field="until")
    agreement = NuisanceAgreement(
        case=case,
        organisation_id=org,
        recorded_by_id=actor.user_id,
        made_on=data.made_on,
        text=_text(data.text, required=True, limit=TEXT_MAX, field="text"),
        until=data.until,
        status="open",
    )
    session.add(agreement)
    session.flush()
    record(
        session,
        actor,
        "nuisance.agreement",
        case_id=case.id,
        categories=[NUISANCE],
        detail={"agreement": agreement.id},
    )
    return agreement


def settle(
    session: Session, actor: Actor, agreement: NuisanceAgreement, status: str
) -> NuisanceAgreement:
    """Kept or broken, once: the first outcome stands (a guarded update)."""
    _require_keeper(actor, agreement.case)
    if status not in SETTLED:
        raise DomainError(_l("Kies of de afspraak is nagekomen."))
    done = changed_rows(
        session,
        update(NuisanceAgreement)
        .where(NuisanceAgreement.id == agreement.id, NuisanceAgreement.settled_at.is_(None))
        .values(settled_at=utcnow(), settled_by_id=actor.user_id),
    )
    if not done:
        raise Conflict(_l("Deze afspraak is al opgevolgd."))
    session.refresh(agreement)
    agreement.status = status
    session.flush()
    record(
        session,
        actor,
        f"nuisance.{status}",
        case_id=agreement.case_id,
        categories=[NUISANCE],
        detail={"agreement": agreement.id},
    )
    return agreement


def reports_of(session: Session, case_id: int) -> list[NuisanceReport]:
    return list(
        session.scalars(
            select(NuisanceReport)
            .where(NuisanceReport.case_id == case_id)
            .order_by(NuisanceReport.recorded_at.desc(), NuisanceReport.id.desc())
        )
    )


def agreements_of(session: Session, case_id: int) -> list[NuisanceAgreement]:
    return list(
        session.scalars(
            select(NuisanceAgreement)
            .where(NuisanceAgreement.case_id == case_id)
            .order_by(NuisanceAgreement.recorded_at.desc(), NuisanceAgreement.id.desc())
        )
    )


def load_agreement(session: Session, case: Case, agreement_id: int) -> NuisanceAgreement:
    agreement = session.get(NuisanceAgreement, agreement_id)
    if agreement is None or agreement.case_id != case.id:
        raise NotFound()
    return agreement
