"""The referral room's part of "Mijn werk" (``portal.work``): referrals waiting for this
organisation's answer, and accepted ones whose first contact with the tenant is still to be
made, each by its deadline (the covenant's SLA); and its lines at the top of the case page
(``portal.cases.summary``)."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from handover.labels import STATUS_LABELS
from handover.models import ESCALATABLE, Referral
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseAction, CaseEvent, CaseFact, SummaryPart
from portal.work import SHOWN, WorkGroup, WorkItem, local_day


def _group(
    session: Session,
    actor: Actor,
    *conditions: ColumnElement[bool],
    due: InstrumentedAttribute[datetime | None],
    key: str,
    title: str,
    action: str,
    side: InstrumentedAttribute[int] = Referral.recipient_org_id,
) -> WorkGroup | None:
    where = [side == actor.organisation_id, *conditions]
    count = session.scalar(select(func.count(Referral.id)).where(*where)) or 0
    if not count:
        return None
    rows = session.execute(
        select(Referral.id, Case.reference, due)
        .join(Case, Case.id == Referral.case_id)
        .where(*where)
        .order_by(due, Referral.id)
        .limit(SHOWN)
    ).all()
    items = tuple(
        WorkItem(
            subject=reference,
            what=title,
            url=url_for("handover.detail", referral_id=referral_id),
            action=action,
            due=local_day(when),
        )
        for referral_id, reference, when in rows
    )
    more = url_for("handover.inbox") if count > len(items) else None
    return WorkGroup(key, title, count, items, more, _("Alle overdrachten") if more else None)


def awaiting_answer(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    return _group(
        session,
        actor,
        Referral.status == "sent",
        due=Referral.response_due_at,
        key="referrals_sent",
        title=_("Overdrachten die wachten op uw antwoord"),
        action=_("Aannemen of afwijzen"),
    )


def awaiting_first_contact(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    return _group(
        session,
        actor,
        Referral.status == "accepted",
        Referral.first_contact_at.is_(None),
        due=Referral.first_contact_due_at,
        key="first_contact",
        title=_("Eerste contact met de huurder nog te maken"),
        action=_("Eerste contact vastleggen"),
    )


def next_step_to_choose(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The sender's: referrals that ended without help, whose next step the covenant leaves
    to the sender (``handover.escalation``), by the day the coordinating role is alerted."""
    return _group(
        session,
        actor,
        Referral.status.in_(ESCALATABLE),
        Referral.escalation_due_at.is_not(None),
        due=Referral.escalation_due_at,
        key="next_step",
        title=_("Kies de volgende stap op de ladder"),
        action=_("Volgende stap kiezen"),
        side=Referral.sender_org_id,
    )


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    """For the top of the case page: the referrals the actor's organisation is party to that
    still run, and "hand over" for the owner."""
    from handover.models import ACTIVE
    from handover.policy import visible_referrals

    running = session.execute(
        select(Referral.id, Referral.status, Referral.response_due_at, Organisation.name)
        .join(Organisation, Organisation.id == Referral.recipient_org_id)
        .where(
            Referral.case_id == case.id,
            Referral.status.in_(ACTIVE),
            visible_referrals(actor),
        )
        .order_by(Referral.id.desc())
    ).all()
    facts = tuple(
        CaseFact(
            _("Overdracht"),
            _("%(org)s: %(status)s", org=name, status=str(STATUS_LABELS.get(status, status))),
            url_for("handover.detail", referral_id=referral_id),
        )
        for referral_id, status, _due, name in running
    )
    actions: tuple[CaseAction, ...] = ()
    if actor.organisation_id == case.organisation_id and case.is_active:
        actions = (CaseAction(_("Overdragen"), url_for("handover.send", case_id=case.id)),)
    return SummaryPart(facts, actions, order=20)


def case_events(session: Session, actor: Actor, case: Case) -> list[CaseEvent]:
    """The referral steps the actor's organisation may know of, for the case's timeline: who
    did what (never a reason or a note)."""
    from handover.labels import ACTION_LABELS
    from handover.models import ReferralEvent
    from handover.policy import visible_referrals

    rows = session.execute(
        select(ReferralEvent.at, ReferralEvent.kind, Organisation.name)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .outerjoin(Organisation, Organisation.id == ReferralEvent.organisation_id)
        .where(ReferralEvent.case_id == case.id, visible_referrals(actor))
        .order_by(ReferralEvent.id)
    ).all()
    return [
        CaseEvent(at, str(ACTION_LABELS[f"referral.{kind}"]), organisation=name)
        for at, kind, name in rows
        if f"referral.{kind}" in ACTION_LABELS
    ]
