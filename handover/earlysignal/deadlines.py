"""The municipality's legal deadlines for an early signal, on working days.

The Wgs asks a first conversation within four weeks of the signal, within three working days
for a crisis signal, and a decision on debt help within eight weeks of that conversation; the
covenant's ``[signalling]`` section holds the numbers. Deadlines in weeks that end on a
weekend or public holiday move to the next working day (``portal.workdays``). They are stored
as plain dates when the signal is sent, so overdue lists and ``sla check`` are index seeks.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handover.earlysignal.models import EarlySignal
from handover.models import Referral
from portal.cases.models import Case
from portal.cases.service import signalled_values
from portal.covenant.rules import Signalling, active_covenant
from portal.workdays import add_weeks, add_working_days, local_date


def signalling(session: Session) -> Signalling | None:
    """The covenant's early-signalling rules, or ``None`` when it arranges none."""
    return active_covenant(session).signalling


def is_signal(session: Session, referral: Referral) -> bool:
    rules = signalling(session)
    return rules is not None and referral.purpose == rules.purpose


def conversation_due(rules: Signalling, signal_date: date, crisis: bool) -> date:
    if crisis:
        return add_working_days(signal_date, rules.crisis_working_days)
    return add_weeks(signal_date, rules.first_conversation_weeks)


def decision_due(rules: Signalling, conversation_on: date) -> date:
    return add_weeks(conversation_on, rules.decision_weeks)


def signals_sent(session: Session, referrals: list[Referral], now: datetime) -> None:
    """Open the municipality's signal case for each referral under the signalling purpose
    that was just sent: the first-conversation deadline runs from the day it was sent.

    The referral does not expire like other referrals (no answer deadline): the legal
    deadlines replace it, and ``sla check`` warns about them instead.
    """
    rules = signalling(session)
    sent = [r for r in referrals if rules is not None and r.purpose == rules.purpose]
    if rules is None or not sent:
        return
    existing = {
        signal.referral_id: signal
        for signal in session.scalars(
            select(EarlySignal).where(EarlySignal.referral_id.in_([r.id for r in sent]))
        )
    }
    # The tenants whose details go with the signals, in one query rather than one per case.
    session.scalars(
        select(Case)
        .where(Case.id.in_([r.case_id for r in sent]))
        .options(selectinload(Case.persons))
    ).all()
    sent_on = local_date(now)
    for referral in sent:
        referral.response_due_at = None
        signal = existing.get(referral.id)
        if signal is not None:  # offered again after a withdrawal: the signal case goes on
            signal.closed = signal.outcome is not None
            continue
        due = conversation_due(rules, sent_on, referral.crisis)
        signal = EarlySignal(
            referral=referral,
            case_id=referral.case_id,
            recipient_org_id=referral.recipient_org_id,
            crisis=referral.crisis,
            warm_handover=referral.warm_handover,
            priority=0 if referral.crisis or referral.warm_handover else 1,
            signal_date=sent_on,
            conversation_due_on=due,
            due_on=due,
            created_at=now,
        )
        _keep_what_was_signalled(session, signal, referral)
        session.add(signal)
    session.flush()


def _keep_what_was_signalled(session: Session, signal: EarlySignal, referral: Referral) -> None:
    """Copy what the signal tells the municipality into its signal case, sealed under the
    case's key: the monitor export reads these, not the corporation's case."""
    for name, value in signalled_values(session, referral.case).items():
        setattr(signal, name, value)


def referral_closed(session: Session, referral: Referral) -> None:
    """The signal's referral closed without an outcome (withdrawn by the sender, declined,
    returned): its signal case leaves the inbox and the deadline warnings."""
    signal = session.scalar(select(EarlySignal).where(EarlySignal.referral_id == referral.id))
    if signal is not None and not signal.closed:
        signal.closed = True
