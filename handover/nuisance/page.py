"""The nuisance tab of a case ("Overlast"), assembled for one viewer through the policy point:
the reports and agreements in one ``reveal`` (one audit event), who reported only for whom
the covenant allows it (the owner), the partners involved by referral, and the steps of the
covenant's nuisance ladder not yet taken (a role already involved is not offered again: the
send page would refuse a second referral)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.models import ACTIVE, Referral
from handover.nuisance import service
from handover.nuisance.models import NUISANCE, REPORTER, NuisanceAgreement, NuisanceReport
from handover.policy import visible_referrals
from portal.actor import Actor
from portal.cases.models import Case
from portal.covenant.rules import NoActiveCovenant, active_covenant
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
    #: The ladder's steps still open to the owner: (step number for ``?stap=``, role name).
    steps: list[tuple[int, str]]

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
    may_keep = service.may_keep(actor, case)
    steps = _steps_to_take(session, referrals) if may_keep and case.is_active else []
    return Panel(case, reports, agreements, referrals, shown, may_keep, steps)


def _steps_to_take(session: Session, referrals: list[Referral]) -> list[tuple[int, str]]:
    try:
        covenant = active_covenant(session)
    except NoActiveCovenant:
        return []
    if service.PURPOSE not in covenant.purposes:
        return []
    involved = {r.recipient_role for r in referrals if r.status in ACTIVE}
    lang = str(get_locale())
    return [
        (number, covenant.role(rung.role).name.get(lang))
        for number, rung in enumerate(covenant.ladder(service.PURPOSE), start=1)
        if rung.role not in involved
    ]
