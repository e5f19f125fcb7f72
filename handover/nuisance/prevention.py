"""The nuisance file in a decision's prevention record (evidence kind ``nuisance``): each
report (when, what kind, who noticed it) and each agreement with the tenant (made when, until
when, kept or broken). Like the groundwork (``handover.decisions.groundwork``) the facts are
derived here from the encrypted rows and nobody is shown a field: codes and dates only, never
what happened, what was agreed in words, nor who reported. The page shows them to a viewer
the policy point allows the ``nuisance`` category."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from handover.decisions.prevention import Evidence, Provider
from handover.nuisance import service
from handover.nuisance.labels import KIND_LABELS, SOURCE_LABELS, STATUS_LABELS
from handover.nuisance.models import NUISANCE
from portal.cases.models import Case
from portal.covenant.rules import Covenant
from portal.crypto.fields import ERASED, decrypt_field, preload_keys

if TYPE_CHECKING:
    from handover.decisions.models import Decision


def _read(session: Session, row: Any, *fields: str) -> list[Any] | None:
    """The row's values, or ``None`` when retention erased them."""
    values = [decrypt_field(row, name, session=session) for name in fields]
    return None if any(v is ERASED for v in values) else values


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def collect(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> list[Evidence]:
    reports = list(reversed(service.reports_of(session, case.id)))
    agreements = list(reversed(service.agreements_of(session, case.id)))
    preload_keys(session, reports, "reported_on", "kind", "source")
    preload_keys(session, agreements, "made_on", "until", "status")
    found = []
    for report in reports:
        values = _read(session, report, "reported_on", "kind", "source")
        if values is not None:
            on, kind, source = values
            found.append(
                Evidence(
                    "nuisance",
                    "nuisance_report",
                    {"reported_on": _iso(on), "kind": kind, "source": source},
                )
            )
    for agreement in agreements:
        values = _read(session, agreement, "made_on", "until", "status")
        if values is not None:
            made, until, status = values
            found.append(
                Evidence(
                    "nuisance",
                    "nuisance_agreement",
                    {"made_on": _iso(made), "until": _iso(until), "status": status},
                )
            )
    return found


def describe(item: Evidence, covenant: Covenant) -> str:
    from handover.decisions.prevention import _day

    f = item.facts
    if item.what == "nuisance_report":
        return _(
            "Melding van overlast op %(day)s: %(kind)s (gemeld door: %(source)s).",
            day=_day(f.get("reported_on")),
            kind=str(KIND_LABELS.get(f.get("kind") or "", _("onbekend"))).lower(),
            source=str(SOURCE_LABELS.get(f.get("source") or "", _("onbekend"))).lower(),
        )
    if f.get("until"):
        return _(
            "Afspraak met de huurder over overlast op %(day)s, tot %(until)s: %(status)s.",
            day=_day(f.get("made_on")),
            until=_day(f.get("until")),
            status=str(STATUS_LABELS.get(f.get("status") or "", _("onbekend"))).lower(),
        )
    return _(
        "Afspraak met de huurder over overlast op %(day)s: %(status)s.",
        day=_day(f.get("made_on")),
        status=str(STATUS_LABELS.get(f.get("status") or "", _("onbekend"))).lower(),
    )


PROVIDER = Provider("nuisance", NUISANCE, collect)
