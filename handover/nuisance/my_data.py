"""The nuisance file in the tenant's "Mijn gegevens" (GDPR art. 15): the reports about her
home (when, what kind, who noticed it: a neighbour, the police...) and the agreements made
with her, in plain words. Never who made a report: that is the reporter's own data (the
covenant's ``third_party`` category; art. 15(4)), and the policy point refuses it to her.
Nor the caseworker's account of what happened: a working note, like the others. The page
says both exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from handover.nuisance import service
from handover.nuisance.models import NuisanceAgreement, NuisanceReport
from portal.cases.models import Case
from portal.i18n import code_in_words
from portal.sharing import Revealed, plain

REPORT_FIELDS = ("reported_on", "kind", "source")
AGREEMENT_FIELDS = ("made_on", "text", "until", "status")
KIND_WORDS = {
    "noise": _l("Lawaai"),
    "threats": _l("Dreigen of boos worden"),
    "hoarding": _l("Vuil of te veel spullen in huis"),
    "drugs": _l("Drugs"),
    "pets": _l("Huisdieren"),
    "other": _l("Iets anders"),
}
SOURCE_WORDS = {
    "neighbour": _l("Buren"),
    "police": _l("De politie"),
    "own_observation": _l("De woningcorporatie zag het zelf"),
    "other": _l("Iemand anders"),
}
STATUS_WORDS = {
    "open": _l("Loopt nog"),
    "kept": _l("U hield zich aan de afspraak"),
    "broken": _l("U hield zich niet aan de afspraak"),
}


@dataclass(frozen=True)
class NuisanceReportFact:
    day: date | None
    kind: str
    noticed_by: str


@dataclass(frozen=True)
class NuisanceAgreementFact:
    made_on: date | None
    text: str | None
    until: date | None
    status: str


@dataclass(frozen=True)
class NuisanceFacts:
    reports: tuple[NuisanceReportFact, ...]
    agreements: tuple[NuisanceAgreementFact, ...]
    notice: str


def rows(session: Session, case: Case) -> tuple[list[NuisanceReport], list[NuisanceAgreement]]:
    return service.reports_of(session, case.id), service.agreements_of(session, case.id)


def fields(reports: list[Any], agreements: list[Any]) -> list[tuple[Any, tuple[str, ...]]]:
    """What of the rows she sees (for the page's one ``reveal``)."""
    return [(r, REPORT_FIELDS) for r in reports] + [(a, AGREEMENT_FIELDS) for a in agreements]


def facts(shown: Revealed, reports: list[Any], agreements: list[Any]) -> NuisanceFacts | None:
    if not reports and not agreements:
        return None

    def v(row: Any, name: str) -> Any:
        return plain(shown.get(row, name))

    return NuisanceFacts(
        reports=tuple(
            NuisanceReportFact(
                v(r, "reported_on"),
                code_in_words(KIND_WORDS, v(r, "kind")),
                code_in_words(SOURCE_WORDS, v(r, "source")),
            )
            for r in reports
        ),
        agreements=tuple(
            NuisanceAgreementFact(
                v(a, "made_on"),
                v(a, "text"),
                v(a, "until"),
                code_in_words(STATUS_WORDS, v(a, "status")),
            )
            for a in agreements
        ),
        notice=_(
            "Er zijn meldingen gedaan over overlast bij uw woning. Wie een melding deed, staat "
            "hier niet. Dat zijn gegevens van die persoon zelf. Wat de medewerker over de "
            "melding opschreef, staat hier ook niet. Wilt u dat weten? Vraag het aan de "
            "woningcorporatie."
        )
        if reports
        else "",
    )
