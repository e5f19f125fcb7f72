"""The shelter hand-over's part of "Mijn werk" (``portal.work``): for the shelter point the
hand-overs to prepare, by the eviction date (not those it declined); for the corporation the
checklists still open, and those to refer again.
And its line at the top of the case page (``portal.cases.summary``). References and dates
only: no personal data."""

from __future__ import annotations

from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handover.decisions.models import DecisionTimelineEntry
from handover.models import ACTIVE, Referral
from handover.shelter import service
from handover.shelter.models import ShelterHandover
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseAction, CaseFact, SummaryPart
from portal.work import SHOWN, WorkGroup, WorkItem


def _group(
    session: Session,
    actor: Actor,
    column,
    key: str,
    title: str,
    action: str,
    *,
    running_only: bool,
) -> WorkGroup | None:
    where = [column == actor.organisation_id, ShelterHandover.ready_at.is_(None)]
    if running_only:  # a referral the shelter point declined is no longer its work
        where.append(Referral.status.in_(ACTIVE))
    joined = select(func.count(ShelterHandover.id)).outerjoin(
        Referral, Referral.id == ShelterHandover.referral_id
    )
    count = session.scalar(joined.where(*where)) or 0
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
        select(ShelterHandover.id, Case.reference, due, Referral.status)
        .join(Case, Case.id == ShelterHandover.case_id)
        .outerjoin(Referral, Referral.id == ShelterHandover.referral_id)
        .where(*where)
        .order_by(due.is_(None), due, ShelterHandover.id)
        .limit(SHOWN)
    ).all()
    items = tuple(
        _item(hid, reference, day, status, title, action) for hid, reference, day, status in rows
    )
    more = url_for("shelter.index") if count > len(items) else None
    return WorkGroup(
        key, title, count, items, more, _("Alle opvang na ontruiming") if more else None
    )


def _item(
    hid: int, reference: str, day: date | None, status: str | None, title: str, action: str
) -> WorkItem:
    """One hand-over; one whose referral ended asks the owner to refer again."""
    url = url_for("shelter.detail", handover_id=hid)
    if status in ACTIVE:
        return WorkItem(reference, title, url, action, day)
    what = (
        _("Het meldpunt opvang heeft de overdracht afgewezen")
        if status == "declined"
        else _("De overdracht aan het meldpunt opvang loopt niet meer")
    )
    return WorkItem(reference, what, f"{url}#refer-again", _("Opnieuw aanmelden"), day)


def to_prepare(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The shelter point: families to shelter before their eviction date."""
    return _group(
        session,
        actor,
        ShelterHandover.organisation_id,
        "shelter_prepare",
        _("Opvang voorbereiden vóór de ontruiming"),
        _("Voorbereiden"),
        running_only=True,
    )


def waiting(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The corporation: hand-overs whose checklist is still open, and those to refer again."""
    return _group(
        session,
        actor,
        ShelterHandover.owner_org_id,
        "shelter_waiting",
        _("Opvang na ontruiming nog niet voorbereid"),
        _("Bekijken"),
        running_only=False,
    )


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    """One line per hand-over the actor may know of; the owner is offered to refer again when
    the shelter point declined (the reason is on the hand-over's and the decision's page)."""
    handovers = [
        h
        for h in session.scalars(select(ShelterHandover).where(ShelterHandover.case_id == case.id))
        if service.visible_to(actor, h)
    ]
    facts = tuple(
        CaseFact(
            _("Opvang na ontruiming"),
            _state(session, h),
            url_for("shelter.detail", handover_id=h.id),
        )
        for h in handovers
    )
    actions = tuple(
        CaseAction(
            _("Opnieuw aanmelden bij de opvang"),
            url_for("shelter.detail", handover_id=h.id) + "#refer-again",
        )
        for h in handovers
        if service.may_refer_again(session, actor, h)
    )
    return SummaryPart(facts=facts, actions=actions, order=41)


def _state(session: Session, handover: ShelterHandover) -> str:
    if handover.ready:
        return _("voorbereid")
    if service.lapsed(session, handover):
        return service.lapsed_words(session, handover)
    open_items = ngettext("%(num)s punt open", "%(num)s punten open", len(handover.open_items()))
    if not service.taken_on(session, handover):
        return _(
            "%(open)s; het meldpunt heeft de overdracht nog niet geaccepteerd", open=open_items
        )
    return open_items
