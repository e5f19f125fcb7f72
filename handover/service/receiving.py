"""The receiver's side: accepting, and the feedback the sender is owed (first contact, help
started, help ended), also when a contact attempt on the case is the first contact."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.earlysignal.deadlines import is_signal
from handover.models import OUTCOMES, REPORTS, Referral
from handover.service.common import as_recipient, due, lock, move, notify_party
from portal.actor import Actor
from portal.cases.models import ContactAttempt
from portal.covenant.rules import active_covenant
from portal.db import utcnow
from portal.errors import Conflict, DomainError
from portal.workdays import local_date, start_of_local_day


def accept(
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    as_recipient(actor, referral)
    now = now or utcnow()
    referral = lock(session, referral, version)
    if referral.status != "sent":
        raise Conflict(_l("Deze overdracht wacht niet meer op acceptatie."))
    rung = active_covenant(session).ladder(referral.purpose)[referral.rung]
    referral.accepted_at = now
    # An early signal runs on the legal deadlines of its signal case instead.
    if not is_signal(session, referral):
        referral.first_contact_due_at = due(now, rung.first_contact_days)
    move(session, actor, referral, "accept", "accepted", now=now)
    notify_party(session, referral.sender_org_id, referral, "Overdracht geaccepteerd")
    return referral


def report(
    session: Session,
    actor: Actor,
    referral: Referral,
    kind: str,
    *,
    outcome: str | None = None,
    on: date | None = None,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Feedback to the sender: first contact made, help started (``on`` the day it happened,
    today when not given), help ended with an outcome."""
    as_recipient(actor, referral)
    if kind not in REPORTS:
        raise DomainError(_l("Onbekende terugmelding."))
    if is_signal(session, referral):
        # An early signal is answered with the model's contact attempts and outcome, of
        # which the signalling partner learns only what the model permits.
        raise DomainError(_l("Leg dit vast bij het vroegsignaal."))
    now = now or utcnow()
    referral = lock(session, referral, version)
    if referral.status not in ("accepted", "in_progress"):
        raise Conflict(_l("Deze overdracht is niet (meer) in behandeling."))
    if kind == "first_contact":
        if referral.first_contact_at is not None:
            raise Conflict(_l("Het eerste contact is al gemeld."))
        _first_contact(session, actor, referral, _happened(referral, on, now), now=now)
    elif kind == "help_started":
        if referral.help_started_at is not None:
            raise Conflict(_l("De start van de hulp is al gemeld."))
        referral.help_started_at = _happened(referral, on, now)
        referral.first_contact_at = referral.first_contact_at or referral.help_started_at
        move(session, actor, referral, "help_started", "in_progress", now=now)
        notify_party(
            session, referral.sender_org_id, referral, "Hulp gestart: incasso kan worden gepauzeerd"
        )
    else:
        if outcome not in OUTCOMES:
            raise DomainError(_l("Kies de uitkomst van de hulp."))
        referral.outcome = outcome
        referral.closed_at = now
        move(session, actor, referral, "help_ended", "completed", now=now)
        notify_party(session, referral.sender_org_id, referral, "Hulp afgerond")
    return referral


def _happened(referral: Referral, on: date | None, now: datetime) -> datetime:
    """The moment of a step the caseworker dates: now for today, else the start of that Dutch
    day; never in the future, never before the referral was accepted."""
    today = local_date(now)
    day = on or today
    if day > today:
        raise DomainError(_l("Die datum ligt in de toekomst."), field="on")
    if referral.accepted_at is not None and day < local_date(referral.accepted_at):
        raise DomainError(
            _l("Die datum ligt voor de dag waarop u de overdracht accepteerde."), field="on"
        )
    return now if day == today else start_of_local_day(day)


def _first_contact(
    session: Session,
    actor: Actor,
    referral: Referral,
    at: datetime,
    *,
    attempt_id: int | None = None,
    now: datetime,
) -> None:
    referral.first_contact_at = at
    referral.first_contact_attempt_id = attempt_id
    move(session, actor, referral, "first_contact", "in_progress", now=now)
    notify_party(session, referral.sender_org_id, referral, "Eerste contact gelegd")


def tenant_reached(session: Session, actor: Actor, attempt: ContactAttempt, day: date) -> None:
    """A contact attempt that reached the tenant is the first contact of each referral of the
    case that the actor's organisation accepted and has not yet reported contact on: the
    attempt is the record of it (its date, channel and note), not a second click."""
    if actor.kind != "staff" or not actor.organisation_id:
        return
    waiting = session.scalars(
        select(Referral).where(
            Referral.case_id == attempt.case_id,
            Referral.recipient_org_id == actor.organisation_id,
            Referral.status == "accepted",
            Referral.first_contact_at.is_(None),
        )
    ).all()
    now = utcnow()
    for referral in waiting:
        if is_signal(session, referral):
            continue  # an early signal records its own contact attempts
        if referral.accepted_at is not None and day < local_date(referral.accepted_at):
            continue  # reached before this referral was hers: not its first contact
        referral = lock(session, referral, None)
        _first_contact(
            session, actor, referral, _happened(referral, day, now), attempt_id=attempt.id, now=now
        )
