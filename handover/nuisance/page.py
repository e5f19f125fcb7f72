"""The nuisance tab of a case ("Overlast"), assembled for one viewer through the policy point:
the reports and agreements in one ``reveal`` (one audit event), who reported only for whom
the covenant allows it (the owner), and the partners involved by referral."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.models import ACTIVE, Referral
from handover.nuisance import service
from handover.nuisance.models import NUISANCE, REPORTER, NuisanceAgreement, NuisanceReport
from handover.policy import visible_referrals
from portal.actor import Actor
from portal.cases.models import Case
from portal.sharing import Revealed, reveal

REPORT_FIELDS = ("reported_on", "kind", "source", "description")
REPORTER_FIELDS = ("reporter_name", "reporter_contact")
AGREEMENT_FIELDS = ("made_on", "text", "until", "status")


@dataclass
class Panel:
    case: Case
    reports: list[NuisanceReport]
    agreements: list[NuisanceAgreement]
    referrals: list[Referral]
    shown: Revealed
    may_keep: bool

    def v(self, row: Any, name: str) -> Any:
        return self.shown.get(row, name)

    @property
    def allowed(self) -> bool:
        return self.shown.allowed(NUISANCE)

    @property
    def sees_reporters(self) -> bool:
        return self.shown.allowed(REPORTER)

    @property
    def involved(self) -> list[Referral]:
        return [r for r in self.referrals if r.status in ACTIVE]


def panel(session: Session, actor: Actor, case: Case) -> Panel:
    reports = service.reports_of(session, case.id)
    agreements = service.agreements_of(session, case.id)
    fields: list[tuple[Any, tuple[str, ...]]] = [
        (r, REPORT_FIELDS + REPORTER_FIELDS) for r in reports
    ]
    fields += [(a, AGREEMENT_FIELDS) for a in agreements]
    shown = reveal(
        session,
        actor,
        case,
        fields,
        action="nuisance.view",
        also_shown=() if fields else (NUISANCE,),
    )
    referrals = list(
        session.scalars(
            select(Referral)
            .where(
                Referral.case_id == case.id,
                Referral.purpose == service.PURPOSE,
                Referral.status != "draft",
                visible_referrals(actor),
            )
            .order_by(Referral.id)
        )
    )
    return Panel(case, reports, agreements, referrals, shown, service.may_keep(actor, case))
