"""The shelter hand-over's part of "Mijn werk" (``portal.work``): for the shelter point the
hand-overs to prepare, by the eviction date; for the corporation the checklists still open.
And its line at the top of the case page (``portal.cases.summary``). References and dates
only: no personal data."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handover.decisions.models import DecisionTimelineEntry
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
    # The eviction date as the timeline has it now (the bailiff's date written last), else as
    # it was when the hand-over started: one query for the first few, however many are open.
    planned = (
        select(DecisionTimelineEntry.happens_on)
        .where(
            DecisionTimelineEntry.case_id == ShelterHandover.case_id,
            DecisionTimelineEntry.kind == "bailiff",
        )
        .order_by(DecisionTimelineEntry.id.desc())
        .limit(1)
        .correlate(ShelterHandover)
        .scalar_subquery()
    )
    due = func.coalesce(planned, ShelterHandover.eviction_on)
    rows = session.execute(
        select(ShelterHandover.id, Case.reference, due)
        .join(Case, Case.id == ShelterHandover.case_id)
        .where(*where)
        .order_by(due.is_(None), due, ShelterHandover.id)
        .limit(SHOWN)
    ).all()
    items = tuple(
        WorkItem(reference, title, url_for("shelter.detail", handover_id=hid), action, day)
        for hid, reference, day in rows
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
