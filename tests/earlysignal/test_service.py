"""The municipality's work on a signal: legal deadlines, pick-up, contact attempts, outcome,
debt help, and the deadline warnings of ``sla check`` (the clock moved, never waited for)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from handover import service as referrals
from handover.earlysignal import service
from handover.earlysignal.models import (
    EITHER,
    NOT_PICKED_UP,
    OUTCOMES,
    EarlySignal,
    SignalContactAttempt,
)
from handover.models import Referral
from portal.audit.models import AuditEvent
from portal.crypto.fields import decrypt_field
from portal.errors import Conflict, DomainError, NotFound
from portal.outbox.models import OutboxMessage
from tests.earlysignal.conftest import SENT


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 1, tzinfo=UTC)  # CET: UTC+1


def attempt(kind="phone", reached=False, on=date(2027, 3, 3), **kw):
    if "at" not in kw:
        kw.setdefault("day_part", "morning")
    return service.AttemptData(kind, reached, on, **kw)


# --- deadlines ---------------------------------------------------------------------------------


def test_sending_a_signal_opens_its_case_with_the_legal_deadline(send_signal):
    signal = send_signal()
    assert signal.signal_date == date(2027, 3, 1)
    # Four weeks end on Easter Monday: the deadline moves to Tuesday.
    assert signal.conversation_due_on == signal.due_on == date(2027, 3, 30)
    assert signal.priority == 1 and not signal.closed and signal.decision_due_on is None
    # No answer deadline: a signal does not expire like other referrals.
    assert signal.referral.response_due_at is None


def test_a_crisis_signal_is_due_in_three_working_days(send_signal):
    signal = send_signal(crisis=True, now=at(date(2027, 4, 23)))
    assert signal.crisis and signal.priority == 0
    assert signal.conversation_due_on == date(2027, 4, 29)  # over the weekend and King's Day


def test_a_warm_handover_comes_first_too(send_signal):
    signal = send_signal(warm=True)
    assert signal.warm_handover and signal.priority == 0
    assert signal.conversation_due_on == date(2027, 3, 30)


def test_other_purposes_open_no_signal_case(session, people, case):
    referral = referrals.send(
        session, people["corporatie"][1], case, purpose="debt_help",
        recipient_org_id=people["schuldhulp"][0].organisation_id, note=None,
    )  # fmt: skip
    assert session.scalar(select(EarlySignal).where(EarlySignal.referral_id == referral.id)) is None
    assert referral.response_due_at is not None


def test_the_first_reached_attempt_is_the_first_conversation(session, people, send_signal):
    coach = people["schuldhulp"][1]
    signal = send_signal(now=at(date(2026, 10, 1)))
    now = at(date(2026, 11, 2))
    service.record_attempt(session, coach, signal, attempt(on=date(2026, 10, 5)), now=now)
    assert signal.picked_up_on == date(2026, 10, 5) and signal.first_conversation_on is None
    assert signal.referral.status == "accepted"
    assert signal.referral.first_contact_due_at is None  # the legal deadline rules instead
    service.record_attempt(
        session, coach, signal, attempt("house_visit", True, date(2026, 10, 30)), now=now
    )
    assert signal.first_conversation_on == date(2026, 10, 30)
    # Eight weeks later is Christmas Day; then Boxing Day and Sunday: Monday 28 December.
    assert signal.decision_due_on == signal.due_on == date(2026, 12, 28)


def test_sla_check_warns_the_municipality_once_per_deadline(session, people, send_signal):
    coach = people["schuldhulp"][1]
    signal = send_signal()
    assert service.check_deadlines(session, now=at(date(2027, 3, 30), 20)) == []  # due today
    late = at(date(2027, 3, 31))
    assert service.check_deadlines(session, now=late) == [signal.referral_id]
    assert service.check_deadlines(session, now=late) == []  # once
    subjects = session.scalars(select(OutboxMessage.subject)).all()
    assert any("Termijn voor het eerste gesprek verstreken" in s for s in subjects)
    # The first conversation starts the decision deadline, which is warned about again.
    service.record_attempt(
        session, coach, signal, attempt("phone", True, date(2027, 3, 31)), now=late
    )
    assert signal.due_on == date(2027, 5, 26) and not signal.warned
    assert service.check_deadlines(session, now=at(date(2027, 5, 26))) == []
    assert service.check_deadlines(session, now=at(date(2027, 5, 27))) == [signal.referral_id]
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "earlysignal.overdue")
    ).all()
    assert len(events) == 2


def test_sla_check_never_expires_a_signal(session, send_signal):
    signal = send_signal()
    result = referrals.check_sla(session, now=SENT + timedelta(days=60))
    assert result.expired == [] and signal.referral.status == "sent"


def test_an_outcome_ends_the_deadlines(session, people, send_signal):
    signal = send_signal()
    service.record_outcome(
        session, people["schuldhulp"][1], signal, "not_picked_up_repeat", version=signal.version,
        now=at(date(2027, 3, 2)),
    )  # fmt: skip
    assert service.check_deadlines(session, now=at(date(2027, 6, 1))) == []


# --- contact attempts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "part"),
    [(time(8, 0), "morning"), (time(11, 59), "morning"), (time(12, 0), "afternoon"),
     (time(17, 59), "afternoon"), (time(18, 0), "evening"), (time(23, 0), "evening")],
)  # fmt: skip
def test_part_of_day_follows_the_time(moment, part):
    assert service.day_part_of(moment) == part


def test_an_attempt_is_encrypted_and_its_part_of_day_derived(session, people, send_signal):
    signal = send_signal()
    made = service.record_attempt(
        session, people["schuldhulp"][1], signal,
        attempt("card", False, date(2027, 3, 3), at=time(19, 30)), now=at(date(2027, 3, 4)),
    )  # fmt: skip
    assert decrypt_field(made, "kind") == "card"
    assert decrypt_field(made, "reached") == "no"
    assert decrypt_field(made, "attempted_on") == date(2027, 3, 3)
    assert decrypt_field(made, "day_part") == "evening"
    assert made.case_id == signal.case_id


@pytest.mark.parametrize(
    "data",
    [
        service.AttemptData("pigeon", False, date(2027, 3, 3), day_part="morning"),
        service.AttemptData("phone", False, date(2027, 3, 3)),  # no part of day, no time
        service.AttemptData("phone", False, date(2027, 3, 3), day_part="night"),
        service.AttemptData("phone", False, date(2027, 2, 28), day_part="morning"),  # before
        service.AttemptData("phone", False, date(2027, 3, 5), day_part="morning"),  # future
        service.AttemptData("phone", False, date(1, 1, 1), day_part="morning"),
    ],
)
def test_bad_attempts_are_refused_and_change_nothing(session, people, send_signal, data):
    signal = send_signal()
    with pytest.raises(DomainError):
        service.record_attempt(
            session, people["schuldhulp"][1], signal, data, now=at(date(2027, 3, 4))
        )
    assert session.scalars(select(SignalContactAttempt)).all() == []
    assert signal.picked_up_on is None


def test_only_the_municipality_records_attempts(session, people, send_signal):
    signal = send_signal()
    for slug in ("corporatie", "welzijn"):
        with pytest.raises(NotFound):
            service.record_attempt(
                session, people[slug][1], signal, attempt(),
                now=at(date(2027, 3, 4)),
            )  # fmt: skip


# --- outcome ------------------------------------------------------------------------------


def test_every_outcome_of_the_model_can_be_recorded(session, people, send_signal):
    for code in OUTCOMES:
        signal = send_signal()
        service.record_outcome(
            session, people["schuldhulp"][1], signal, code, "Eigen reden.",
            version=signal.version, now=at(date(2027, 3, 2)),
        )  # fmt: skip
        assert signal.closed and signal.outcome == code
        assert signal.referral.status == "completed"
        assert decrypt_field(signal, "reason") == "Eigen reden."
        assert signal.picked_up == (code not in (*NOT_PICKED_UP, *EITHER))


@pytest.mark.parametrize(
    ("code", "reason"),
    [("unknown_code", None), ("", None), (None, None), ("not_picked_up_other", None),
     ("not_picked_up_other", "  "), ("no_contact", "x" * 2001)],
)  # fmt: skip
def test_bad_outcomes_are_refused_and_change_nothing(session, people, send_signal, code, reason):
    signal = send_signal()
    with pytest.raises(DomainError):
        service.record_outcome(
            session, people["schuldhulp"][1], signal, code, reason, version=signal.version,
            now=at(date(2027, 3, 2)),
        )  # fmt: skip
    assert signal.outcome is None and not signal.closed and signal.referral.status == "sent"


def test_outcome_dates_must_lie_between_the_signal_and_today(session, people, send_signal):
    signal = send_signal()
    for day in (date(2027, 2, 28), date(2027, 3, 3), date(2100, 1, 1)):
        with pytest.raises(DomainError):
            service.record_outcome(
                session, people["schuldhulp"][1], signal, "no_contact", on=day,
                version=signal.version, now=at(date(2027, 3, 2)),
            )  # fmt: skip
    assert signal.outcome is None


def test_a_picked_up_signal_cannot_be_not_picked_up(session, people, send_signal):
    coach = people["schuldhulp"][1]
    signal = send_signal()
    service.pick_up(session, coach, signal, version=signal.version, now=at(date(2027, 3, 2)))
    with pytest.raises(DomainError):
        service.record_outcome(
            session, coach, signal, "not_picked_up_other", "Reden.", version=signal.version,
            now=at(date(2027, 3, 2)),
        )  # fmt: skip
    with pytest.raises(Conflict):
        service.pick_up(session, coach, signal, version=signal.version, now=at(date(2027, 3, 2)))


def test_a_second_outcome_or_a_stale_one_is_a_conflict(session, people, send_signal):
    coach = people["schuldhulp"][1]
    signal = send_signal()
    seen = signal.version
    service.record_outcome(session, coach, signal, "no_contact", version=seen,
                           now=at(date(2027, 3, 2)))  # fmt: skip
    with pytest.raises(Conflict):
        service.record_outcome(session, coach, signal, "deceased", version=None,
                               now=at(date(2027, 3, 2)))  # fmt: skip
    with pytest.raises(Conflict):
        service.record_outcome(session, coach, signal, "deceased", version=seen,
                               now=at(date(2027, 3, 2)))  # fmt: skip
    assert signal.outcome == "no_contact"


def test_a_withdrawn_signal_cannot_be_worked(session, people, send_signal):
    signal = send_signal()
    referrals.withdraw(session, people["corporatie"][1], signal.referral, "Vergissing.",
                       version=None)  # fmt: skip
    with pytest.raises(Conflict):
        service.pick_up(session, people["schuldhulp"][1], signal, version=None,
                        now=at(date(2027, 3, 2)))  # fmt: skip


def test_the_old_help_reports_are_refused_for_a_signal(session, people, send_signal):
    coach = people["schuldhulp"][1]
    signal = send_signal()
    service.pick_up(session, coach, signal, version=None, now=at(date(2027, 3, 2)))
    with pytest.raises(DomainError):
        referrals.report(session, coach, signal.referral, "first_contact", version=None)


# --- to debt help ---------------------------------------------------------------------------


def test_a_picked_up_signal_becomes_a_debt_help_referral(session, people, send_signal):
    coach = people["schuldhulp"][1]
    municipality = people["schuldhulp"][0].organisation_id
    signal = send_signal()
    with pytest.raises(DomainError):  # not picked up yet
        service.refer_to_debt_help(
            session, coach, signal, purpose="debt_help", recipient_org_id=municipality,
            note=None, version=None,
        )  # fmt: skip
    service.pick_up(session, coach, signal, version=None, now=at(date(2027, 3, 2)))
    assert service.debt_help_purposes(session, signal) == ["debt_help"]
    with pytest.raises(DomainError):
        service.refer_to_debt_help(
            session, coach, signal, purpose="early_signalling", recipient_org_id=municipality,
            note=None, version=None,
        )  # fmt: skip
    help_referral = service.refer_to_debt_help(
        session, coach, signal, purpose="debt_help", recipient_org_id=municipality,
        note="Opgepakt na vroegsignaal.", version=signal.version,
    )  # fmt: skip
    assert signal.follow_up_referral_id == help_referral.id
    assert help_referral.purpose == "debt_help" and help_referral.previous_id == signal.referral_id
    assert help_referral.case_id == signal.case_id
    # Sent in the municipality's own name: what follows is not the corporation's business.
    assert help_referral.sender_org_id == municipality
    assert set(help_referral.categories) >= {"identity", "contact", "finances"}
    with pytest.raises(Conflict):
        service.refer_to_debt_help(
            session, coach, signal, purpose="debt_help", recipient_org_id=municipality,
            note=None, version=None,
        )  # fmt: skip
    visible = session.scalars(
        select(Referral.id).where(Referral.sender_org_id == people["corporatie"][0].organisation_id)
    ).all()
    assert help_referral.id not in visible


def test_nobody_else_may_send_in_a_partners_name(session, people, send_signal):
    signal = send_signal()
    with pytest.raises(NotFound):
        service.refer_to_debt_help(
            session, people["welzijn"][1], signal, purpose="debt_help",
            recipient_org_id=people["schuldhulp"][0].organisation_id, note=None, version=None,
        )  # fmt: skip


def test_the_sla_check_command_counts_the_signals_past_a_deadline(app, session, send_signal):
    from portal.db import utcnow

    send_signal(now=utcnow() - timedelta(days=40))
    send_signal(now=utcnow())
    result = app.test_cli_runner().invoke(args=["sla", "check"])
    assert result.exit_code == 0, result.output
    assert "early signals past a legal deadline: 1" in result.output
