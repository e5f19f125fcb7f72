"""The shelter hand-over's part of "Mijn werk" (``portal.work``): for the shelter point the
hand-overs to prepare, by the eviction date; for the corporation the checklists still open.
And its line at the top of the case page (``portal.cases.summary``). References and dates
only: no personal data."""

from __future__ import annotations

from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handover.shelter import service
from handover.shelter.models import ShelterHandover
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseFact, SummaryPart
from portal.work import SHOWN, WorkGroup, WorkItem


def _group(
    session: Session, actor: Actor, column, key: str, title: str, action: str
) -> WorkGroup | None:
    where = (column == actor.organisation_id, ShelterHandover.ready_at.is_(None))
    count = session.scalar(select(func.count(ShelterHandover.id)).where(*where)) or 0
    if not count:
        return None
    rows = session.scalars(select(ShelterHandover).where(*where).order_by(ShelterHandover.id))
    dated = [(service.planned_eviction(session, h.case_id), h) for h in rows]
    dated.sort(key=lambda pair: (pair[0] or date.max, pair[1].id))
    items = tuple(
        WorkItem(
            handover.case.reference,
            title,
            url_for("shelter.detail", handover_id=handover.id),
            action,
            due,
        )
        for due, handover in dated[:SHOWN]
    )
    more = url_for("shelter.index") if count > len(items) else None
    return WorkGroup(
        key, title, count, items, more, _("Alle opvang na ontruiming") if more else None
    )


def to_prepare(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The shelter point: families to shelter before their eviction date."""
    return _group(
        session,
        actor,
        ShelterHandover.organisation_id,
        "shelter_prepare",
        _("Opvang voorbereiden vóór de ontruiming"),
        _("Voorbereiden"),
    )


def waiting(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The corporation: hand-overs whose checklist is still open."""
    return _group(
        session,
        actor,
        ShelterHandover.owner_org_id,
        "shelter_waiting",
        _("Opvang na ontruiming nog niet voorbereid"),
        _("Bekijken"),
    )


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    handovers = [
        h
        for h in session.scalars(select(ShelterHandover).where(ShelterHandover.case_id == case.id))
        if service.visible_to(actor, h)
    ]
    facts = tuple(
        CaseFact(
            _("Opvang na ontruiming"),
            _("voorbereid")
            if h.ready
            else ngettext("%(num)s punt open", "%(num)s punten open", len(h.open_items())),
            url_for("shelter.detail", handover_id=h.id),
        )
        for h in handovers
    )
    return SummaryPart(facts=facts, order=41)
