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
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handover.decisions.models import Decision
from handover.meetings import tenant as meeting_invitations
from handover.models import ACTIVE, Referral, ReferralEvent
from portal.accounts.models import Organisation, User
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case, ContactAttempt, Person
from portal.cases.tenant_input import Said, corrections_of, said, says_of
from portal.covenant.rules import UnknownCode, active_covenant
from portal.errors import NotFound
from portal.sharing import Revealed, reveal
from portal.workdays import local_date


@dataclass(frozen=True)
class Helper:
    """An organisation that helps her now, what for, what happens next, and who there."""

    organisation: str
    purpose: str
    next_step: str
    contact: str | None = None


@dataclass(frozen=True)
class Correction:
    """A new phone number or e-mail address she gave, and what the owner did with it."""

    field: str
    value: str
    status: str
    day: date


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
    said: tuple[Said, ...] = ()
    corrections: tuple[Correction, ...] = ()
    #: Her contact person at the organisation that opened the case (a caseworker's name).
    owner_contact: str | None = None
    #: Case meetings she is invited to (``handover.meetings.tenant``).
    meetings: tuple[Any, ...] = ()


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
    attempts = list(
        session.scalars(select(ContactAttempt).where(ContactAttempt.case_id == case.id))
    )
    org_ids = (
        {case.organisation_id}
        | {r.sender_org_id for r in referrals}
        | {r.recipient_org_id for r in referrals}
        | {a.organisation_id for a in attempts}
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

    people = _contact_people(session, referrals)
    helpers = tuple(
        Helper(
            names[r.recipient_org_id],
            purpose_words(r.purpose),
            _next_step(r, names[r.recipient_org_id]),
            people.get((r.id, r.recipient_org_id)),
        )
        for r in reversed(referrals)
        if r.status in ACTIVE
    )
    owner_contact = next(
        (
            people[(r.id, r.sender_org_id)]
            for r in reversed(referrals)
            if (r.id, r.sender_org_id) in people and r.sender_org_id == case.organisation_id
        ),
        None,
    )
    steps = []
    for referral in referrals:
        sender, recipient = names[referral.sender_org_id], names[referral.recipient_org_id]
        for event in referral.events:
            if (text := _step(event, sender, recipient)) is not None:
                steps.append(Step(local_date(event.at), text))
    steps += _decision_steps(session, covenant, case, lang)
    invited = meeting_invitations.invited_items(session, case)
    extra = {item: list(meeting_invitations.FIELDS) for item in invited}
    her_words, corrections, shown = _her_input(session, actor, case, names, attempts, extra)
    for attempt in attempts:  # a conversation with her is a step; a missed call is not
        day = shown.get(attempt, "attempted_on")
        if shown.get(attempt, "outcome") == "reached" and isinstance(day, date):
            org = names[attempt.organisation_id]
            steps.append(Step(day, _("%(org)s had contact met u.", org=org)))
    steps.sort(key=lambda s: s.day, reverse=True)
    return MyCase(
        reference=case.reference,
        opened_by=names[case.organisation_id],
        opened_on=local_date(case.created_at),
        helpers=helpers,
        steps=tuple(steps),
        said=her_words,
        corrections=corrections,
        owner_contact=owner_contact,
        meetings=meeting_invitations.invitations(invited, shown),
    )


def _contact_people(session: Session, referrals: list[Referral]) -> dict[tuple[int, int], str]:
    """Per (referral, organisation): the caseworker there who last acted on it (who sent it,
    who accepted it, who had contact), by the name they work under. Not personal data of
    hers; it tells her whom to ask for."""
    user_ids = {r.created_by_id for r in referrals if r.created_by_id}
    user_ids |= {e.user_id for r in referrals for e in r.events if e.user_id}
    if not user_ids:
        return {}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    found: dict[tuple[int, int], str] = {}
    for referral in referrals:
        acting = [referral.created_by_id, *(e.user_id for e in referral.events)]
        for user_id in acting:
            user = users.get(user_id or 0)
            if user is not None:
                found[(referral.id, user.organisation_id)] = user.display_name
    return found


def _decision_steps(session: Session, covenant: Any, case: Case, lang: str) -> list[Step]:
    """A joint decision taken about her home, in plain words (never its motivation)."""
    steps = []
    for decision in session.scalars(
        select(Decision).where(Decision.case_id == case.id, Decision.status == "decided")
    ):
        try:
            what = covenant.decision(decision.kind).name.get(lang).lower()
        except UnknownCode:
            what = ""
        text = (
            _("De organisaties besloten samen: %(what)s gaat door.", what=what)
            if decision.outcome == "approved"
            else _("De organisaties besloten samen: %(what)s gaat niet door.", what=what)
        )
        steps.append(Step(local_date(decision.closed_at or decision.created_at), text))
    return steps


def _her_input(
    session: Session,
    actor: Actor,
    case: Case,
    names: dict[int, str],
    attempts: list[ContactAttempt],
    more: dict[Any, list[str]] | None = None,
) -> tuple[tuple[Said, ...], tuple[Correction, ...], Revealed]:
    """Her messages and corrections, and when someone spoke with her, shown to her through
    the policy point: one audit event for the whole page (``tenant.my_case``), also when
    there is nothing to reveal yet."""
    says = says_of(session, case)
    corrections = [c for c in corrections_of(session, case) if c.person_id == actor.person_id]
    fields: dict[Any, list[str]] = {say: ["text", "answer"] for say in says}
    fields.update({c: ["value"] for c in corrections})
    fields.update({a: ["attempted_on", "outcome"] for a in attempts})
    fields.update(more or {})
    shown = reveal(session, actor, case, fields, action="tenant.my_case")
    if not fields:
        record(session, actor, "tenant.my_case", case_id=case.id)
    extra = set(names)
    answered_by = {s.answered_by_org_id for s in says if s.answered_by_org_id} - extra
    if answered_by:
        names = names | dict(
            session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(answered_by))
            )
            .tuples()
            .all()
        )
    said_here = tuple(said(says, shown, names))
    mine = tuple(
        Correction(c.field, str(shown.get(c, "value") or ""), c.status, local_date(c.created_at))
        for c in reversed(corrections)
    )
    return said_here, mine, shown
