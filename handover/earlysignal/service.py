"""The municipality's work on an early signal: pick it up, try to reach the resident, record
the outcome, and turn a picked-up signal into a debt-help referral; plus the deadline check.

Every function takes the session and an explicit actor, flushes and never commits. Changes
lock the signal row and compare the version the user saw, so two people recording an outcome
at once produce one outcome and the other gets ``Conflict``. What the municipality records
about the person is encrypted and never reaches the signalling partner: the referral moves
(picked up = accepted, an outcome = completed) and the partner is told that something
changed, with a link; what it may learn is ``policy.sender_feedback``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.earlysignal.deadlines import decision_due, signalling
from handover.earlysignal.models import (
    ATTEMPT_KINDS,
    DAY_PARTS,
    EITHER,
    NOT_PICKED_UP,
    OUTCOMES,
    REASON_REQUIRED,
    EarlySignal,
    SignalContactAttempt,
)
from handover.models import ACTIVE, Referral
from portal.actor import Actor
from portal.audit.service import record
from portal.covenant.rules import active_covenant
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, NotFound
from portal.links import external_url
from portal.outbox.notices import notify_casework
from portal.workdays import local_date

#: Part of day by the hour the attempt was made (the model: before 12, 12-18, from 18).
NOON = time(12)
EVENING = time(18)


def day_part_of(moment: time) -> str:
    if moment < NOON:
        return "morning"
    return "afternoon" if moment < EVENING else "evening"


@dataclass(frozen=True)
class AttemptData:
    """One contact attempt as the municipality records it; without ``day_part`` it is
    derived from ``at`` (the time of day)."""

    kind: str
    reached: bool
    attempted_on: date
    day_part: str | None = None
    at: time | None = None


# --- helpers --------------------------------------------------------------------------------


def _as_recipient(actor: Actor, signal: EarlySignal) -> int:
    """Casework staff of the organisation the signal was sent to; anyone else: not found."""
    organisation_id = referrals.require_staff(actor)
    if organisation_id != signal.recipient_org_id:
        raise NotFound()
    return organisation_id


def _lock(session: Session, signal: EarlySignal, expected_version: int | None) -> EarlySignal:
    """Lock the row and re-read it; refuse when someone changed it since the user looked."""
    locked = lock_row(session, signal)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def _open(signal: EarlySignal) -> None:
    """Work goes on while the signal has no outcome and the sender has not taken it back."""
    if signal.closed or signal.referral.status not in ACTIVE:
        raise Conflict(_l("Dit vroegsignaal is al afgesloten."))


def _day(value: date | None, signal: EarlySignal, now: datetime) -> date:
    """A date the municipality enters: from the signal's date up to today (default today)."""
    today = local_date(now)
    if value is None:
        return today
    if not signal.signal_date <= value <= today:
        raise DomainError(
            _l(
                "Kies een datum vanaf de signaaldatum (%(first)s) tot en met vandaag.",
                first=signal.signal_date.strftime("%d-%m-%Y"),
            )
        )
    return value


def _notify_municipality(session: Session, signal: EarlySignal, what: str) -> None:
    notify_casework(
        session,
        [signal.recipient_org_id],
        subject=f"{what} ({signal.referral.case.reference})",
        lines=[f"{what}.", "", f"Casus: {signal.referral.case.reference}"],
        link=external_url("earlysignal.detail", referral_id=signal.referral_id),
        kind="referral",
    )


def _picked_up(
    session: Session, actor: Actor, signal: EarlySignal, on: date, now: datetime
) -> None:
    """datum_opgepakt, and the referral accepted (the sender may learn it was picked up)."""
    signal.picked_up_on = on
    referral = signal.referral
    if referral.status == "sent":
        referrals.accept(session, actor, referral, version=None, now=now)
    record(session, actor, "earlysignal.pick_up", case_id=signal.case_id,
           detail={"referral": signal.referral_id})  # fmt: skip


# --- the municipality's steps ------------------------------------------------------------------


def pick_up(
    session: Session,
    actor: Actor,
    signal: EarlySignal,
    *,
    on: date | None = None,
    version: int | None,
    now: datetime | None = None,
) -> EarlySignal:
    """The municipality takes the signal up (datum_opgepakt)."""
    _as_recipient(actor, signal)
    now = now or utcnow()
    signal = _lock(session, signal, version)
    _open(signal)
    if signal.picked_up:
        raise Conflict(_l("Dit vroegsignaal is al opgepakt."))
    _picked_up(session, actor, signal, _day(on, signal, now), now)
    session.flush()
    return signal


def record_attempt(
    session: Session,
    actor: Actor,
    signal: EarlySignal,
    data: AttemptData,
    *,
    now: datetime | None = None,
) -> SignalContactAttempt:
    """One contact attempt. An attempt picks the signal up if nobody did yet; the first one
    that reached the resident is the first conversation, and starts the decision deadline."""
    organisation_id = _as_recipient(actor, signal)
    if data.kind not in ATTEMPT_KINDS:
        raise DomainError(_l("Kies een soort contactpoging uit de lijst."))
    day_part = data.day_part or (day_part_of(data.at) if data.at is not None else None)
    if day_part not in DAY_PARTS:
        raise DomainError(_l("Kies het dagdeel, of vul de tijd in."))
    now = now or utcnow()
    signal = _lock(session, signal, None)
    _open(signal)
    on = _day(data.attempted_on, signal, now)
    attempt = SignalContactAttempt(
        signal=signal,
        case_id=signal.case_id,
        organisation_id=organisation_id,
        created_by_id=actor.user_id,
        created_at=now,
    )
    attempt.kind = data.kind
    attempt.reached = "yes" if data.reached else "no"
    attempt.attempted_on = on
    attempt.day_part = day_part
    session.add(attempt)
    if not signal.picked_up:
        _picked_up(session, actor, signal, on, now)
    if data.reached and (signal.first_conversation_on is None or on < signal.first_conversation_on):
        rules = signalling(session)
        signal.first_conversation_on = on
        if rules is not None:
            signal.decision_due_on = decision_due(rules, on)
            signal.due_on = signal.decision_due_on
            signal.warned = False
    session.flush()
    record(
        session,
        actor,
        "earlysignal.contact_attempt",
        case_id=signal.case_id,
        categories=["contact_history"],
        detail={"referral": signal.referral_id},
    )
    return attempt


def record_outcome(
    session: Session,
    actor: Actor,
    signal: EarlySignal,
    outcome: str | None,
    reason: str | None = None,
    *,
    on: date | None = None,
    version: int | None,
    now: datetime | None = None,
) -> EarlySignal:
    """The outcome (Eindresultaat) closes the signal and the referral. The reason stays with
    the municipality; "not picked up: other reason" must have one."""
    _as_recipient(actor, signal)
    if outcome not in OUTCOMES:
        raise DomainError(_l("Kies een uitkomst uit de lijst."))
    cleaned = referrals.clean_reason(reason, required=outcome in REASON_REQUIRED)
    now = now or utcnow()
    signal = _lock(session, signal, version)
    if signal.closed:
        raise Conflict(_l("Voor dit vroegsignaal is al een uitkomst vastgelegd."))
    _open(signal)
    day = _day(on, signal, now)
    if outcome in NOT_PICKED_UP and signal.picked_up:
        raise DomainError(
            _l("Dit signaal is al opgepakt: kies een uitkomst voor een opgepakt signaal.")
        )
    if outcome not in NOT_PICKED_UP + EITHER and not signal.picked_up:
        _picked_up(session, actor, signal, day, now)
    signal.outcome = outcome
    signal.outcome_on = day
    signal.reason = cleaned
    signal.closed = True
    session.flush()
    record(
        session,
        actor,
        "earlysignal.outcome",
        case_id=signal.case_id,
        categories=["contact_history"] if cleaned else [],
        detail={"referral": signal.referral_id},
    )
    referral = referrals.lock(session, signal.referral, None)
    if referral.status in ACTIVE:
        referral.closed_at = now
        referrals.move(session, actor, referral, "signal_closed", "completed", now=now)
        referrals.notify_party(
            session, referral.sender_org_id, referral, "Terugkoppeling op uw vroegsignaal"
        )
    return signal


# --- from a picked-up signal to debt help ------------------------------------------------------


def debt_help_purposes(session: Session, signal: EarlySignal) -> list[str]:
    """The purposes a picked-up signal may continue under: those whose ladder starts with a
    role the municipality plays (debt help, in the demo covenant), the signal's own aside."""
    covenant = active_covenant(session)
    roles = covenant.roles_of(signal.referral.recipient.slug)
    own = signal.referral.purpose
    return [
        code
        for code, purpose in covenant.purposes.items()
        if code != own and purpose.ladder and purpose.ladder[0].role in roles
    ]


def refer_to_debt_help(
    session: Session,
    actor: Actor,
    signal: EarlySignal,
    *,
    purpose: str,
    recipient_org_id: int,
    note: str | None,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """A picked-up signal becomes a debt-help referral, sent in the municipality's own name
    (what follows is not the signalling partner's business), carrying the case's package and
    the link to the signal; the signal case records the link."""
    organisation_id = _as_recipient(actor, signal)
    now = now or utcnow()
    signal = _lock(session, signal, version)
    if not signal.picked_up:
        raise DomainError(_l("Pak het signaal eerst op."))
    if signal.follow_up_referral_id is not None:
        raise Conflict(_l("Dit vroegsignaal is al doorgezet naar schuldhulp."))
    if purpose not in debt_help_purposes(session, signal):
        raise DomainError(_l("Kies een doel uit de lijst."))
    referral = referrals.send(
        session,
        actor,
        signal.referral.case,
        purpose=purpose,
        recipient_org_id=recipient_org_id,
        note=note,
        previous=signal.referral,
        sender_org_id=organisation_id,
        now=now,
    )
    signal.follow_up_referral = referral
    session.flush()
    record(
        session,
        actor,
        "earlysignal.debt_help",
        case_id=signal.case_id,
        detail={"referral": signal.referral_id, "to": referral.id},
    )
    return referral


# --- deadlines ------------------------------------------------------------------------------


def check_deadlines(session: Session, *, now: datetime | None = None) -> list[int]:
    """Warn the municipality once when the running legal deadline of a signal passed (first
    conversation, then decision); answers the signals' referral ids. The signalling partner
    is not told: whether a conversation took place is not its business."""
    now = now or utcnow()
    today = local_date(now)
    actor = Actor.system("cli:sla check")
    late = session.scalars(
        select(EarlySignal)
        .where(
            EarlySignal.closed.is_(False),
            EarlySignal.warned.is_(False),
            EarlySignal.due_on < today,
        )
        .order_by(EarlySignal.id)
        .with_for_update(skip_locked=True)
    ).all()
    for signal in late:
        signal.warned = True
        stage = "conversation" if signal.first_conversation_on is None else "decision"
        # No case on the event: it reads no personal data, and the case's access history,
        # which the signalling partner reads, is no place to learn the municipality's pace.
        record(
            session,
            actor,
            "earlysignal.overdue",
            detail={"referral": signal.referral_id, "deadline": stage},
        )
        what = (
            "Termijn voor het eerste gesprek verstreken"
            if stage == "conversation"
            else "Termijn voor het besluit over schuldhulp verstreken"
        )
        _notify_municipality(session, signal, what)
    session.flush()
    return [s.referral_id for s in late]
