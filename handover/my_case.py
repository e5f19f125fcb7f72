"""The tenant's own view of her case, in plain words (B1): who helps her now, what happens
next and by when, and the steps so far.

Only what is hers to know, and nothing the partners wrote about her: organisation names,
what happened and on which day, the deadlines the covenant sets. Never a note, a reason for
a decline or return, or another household's data (the case is found through the tenant's
own proven person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handover.models import ACTIVE, Referral, ReferralEvent
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case, Person
from portal.covenant.rules import active_covenant
from portal.errors import NotFound
from portal.workdays import local_date


@dataclass(frozen=True)
class Helper:
    """An organisation that helps her now, what for, and what happens next."""

    organisation: str
    purpose: str
    next_step: str


@dataclass(frozen=True)
class Step:
    day: date
    text: str


@dataclass(frozen=True)
class MyCase:
    reference: str
    opened_by: str
    opened_on: date
    helpers: tuple[Helper, ...]
    steps: tuple[Step, ...]


def _next_step(referral: Referral, name: str) -> str:
    if referral.status == "sent":
        if referral.response_due_at is not None:
            return _(
                "%(org)s kijkt of zij u kunnen helpen. Dat weten zij uiterlijk %(date)s.",
                org=name,
                date=_day(referral.response_due_at),
            )
        return _("%(org)s kijkt of zij u kunnen helpen.", org=name)
    if referral.status == "accepted" and referral.first_contact_due_at is not None:
        return _(
            "%(org)s gaat u helpen. Zij nemen uiterlijk %(date)s contact met u op.",
            org=name,
            date=_day(referral.first_contact_due_at),
        )
    if referral.status == "accepted":
        return _("%(org)s gaat u helpen. Zij nemen contact met u op.", org=name)
    return _("%(org)s helpt u nu.", org=name)


def _day(moment: datetime) -> str:
    return format_date(local_date(moment), format="long")


#: Each event of a referral as the tenant reads it; events not listed are not hers to read
#: about (a check of the groundwork, a note), and no reason is ever shown.
STEP_TEXTS = {
    "send": _l("%(sender)s vroeg %(recipient)s om u te helpen."),
    "accept": _l("%(recipient)s zei ja: zij gaan u helpen."),
    "decline": _l("%(recipient)s kon u niet helpen."),
    "return": _l("%(recipient)s gaf uw zaak terug aan %(sender)s."),
    "withdraw": _l("%(sender)s vroeg %(recipient)s toch niet om hulp."),
    "first_contact": _l("%(recipient)s had voor het eerst contact met u."),
    "help_started": _l("%(recipient)s begon met helpen."),
    "help_ended": _l("%(recipient)s rondde de hulp af."),
    "signal_closed": _l("%(recipient)s rondde de melding af."),
    "expire": _l("%(recipient)s gaf op tijd geen antwoord. De vraag om hulp is gestopt."),
}


def _step(event: ReferralEvent, sender: str, recipient: str) -> str | None:
    text = STEP_TEXTS.get(event.kind)
    return str(text) % {"sender": sender, "recipient": recipient} if text is not None else None


def own_case(session: Session, actor: Actor) -> Case:
    """The open case in which the proven tenant is the main tenant (or else her latest)."""
    if actor.kind != "tenant" or actor.person_id is None:
        raise NotFound()
    case = session.scalar(
        select(Case)
        .join(Person, Person.case_id == Case.id)
        .where(Person.id == actor.person_id)
        .order_by(Case.id.desc())
    )
    if case is None:
        raise NotFound()
    return case


def my_case(session: Session, actor: Actor, lang: str) -> MyCase:
    case = own_case(session, actor)
    covenant = active_covenant(session)
    referrals = list(
        session.scalars(
            select(Referral)
            .where(Referral.case_id == case.id, Referral.status != "draft")
            .options(selectinload(Referral.events))
            .order_by(Referral.id)
        )
    )
    org_ids = (
        {case.organisation_id}
        | {r.sender_org_id for r in referrals}
        | {r.recipient_org_id for r in referrals}
    )
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        )
        .tuples()
        .all()
    )

    def purpose_words(code: str) -> str:
        purpose = covenant.purposes.get(code)
        return purpose.plain.get(lang) if purpose is not None else ""

    helpers = tuple(
        Helper(
            names[r.recipient_org_id],
            purpose_words(r.purpose),
            _next_step(r, names[r.recipient_org_id]),
        )
        for r in reversed(referrals)
        if r.status in ACTIVE
    )
    steps = []
    for referral in referrals:
        sender, recipient = names[referral.sender_org_id], names[referral.recipient_org_id]
        for event in referral.events:
            if (text := _step(event, sender, recipient)) is not None:
                steps.append(Step(local_date(event.at), text))
    steps.sort(key=lambda s: s.day, reverse=True)
    record(session, actor, "tenant.my_case", case_id=case.id)
    return MyCase(
        reference=case.reference,
        opened_by=names[case.organisation_id],
        opened_on=local_date(case.created_at),
        helpers=helpers,
        steps=tuple(steps),
    )
