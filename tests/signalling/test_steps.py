"""The legal steps are derived from the groundwork, step by step, never ticked off by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from handover.signalling import service
from handover.signalling.service import AttemptFact, Facts, LetterFact, derive
from portal.audit.models import AuditEvent
from portal.cases import groundwork
from portal.covenant.rules import Signalling
from portal.errors import NotFound
from tests.signalling.conftest import days_ago

TODAY = date(2026, 12, 4)
RULES = Signalling(purpose="early_signalling", min_days_overdue=30, min_amount_cents=7_500)
EARLY = TODAY - timedelta(days=20)


def _facts(
    *,
    channel: str | None,
    letter: str | None,
    points_to_help: bool,
    offer: bool,
    amount: int | None = 50_000,
    since: date | None = TODAY - timedelta(days=60),
    objected: bool = False,
    reported: int | None = None,
) -> Facts:
    return Facts(
        attempts=(AttemptFact(EARLY, channel),) if channel else (),
        letters=(LetterFact(EARLY, letter, points_to_help, offer),) if letter else (),
        arrears_cents=amount,
        arrears_since=since,
        objected_at=datetime(2026, 12, 1, tzinfo=UTC) if objected else None,
        reported_cents=reported,
    )


# Every combination of: how contact was sought, which letter went, whether it pointed to debt
# help, whether it offered to pass the data on. Expected missing steps written out per rule.
CHANNELS = (None, "phone", "whatsapp", "email", "house_visit", "letter")
LETTERS = (None, "reminder", "summons", "other")


@pytest.mark.parametrize(
    ("channel", "letter", "points_to_help", "offer"),
    list(itertools.product(CHANNELS, LETTERS, (False, True), (False, True))),
)
def test_each_combination_gives_exactly_the_missing_steps(channel, letter, points_to_help, offer):
    steps = derive(
        _facts(channel=channel, letter=letter, points_to_help=points_to_help, offer=offer),
        RULES,
        TODAY,
    )
    expected = []
    if channel in (None, "letter"):  # a letter is not personal contact
        expected.append("contact")
    if letter is None or not points_to_help:
        expected.append("points_to_help")
    if letter not in ("reminder", "summons"):
        expected.append("reminder")
    if letter not in ("reminder", "summons") or not offer:
        expected.append("offer")
    assert steps.missing == tuple(expected)
    assert steps.state == ("missing" if expected else "ready")
    assert steps.ready is (not expected)
    assert steps.mask == sum(service.STEP_BITS[s] for s in expected)


@pytest.mark.parametrize(
    ("amount", "days", "missing"),
    [
        (7_500, 30, ()),
        (7_499, 30, ("amount",)),
        (7_500, 29, ("days",)),
        (0, 10, ("amount", "days")),
        (None, None, ("amount", "days")),
    ],
)
def test_the_covenant_threshold(amount, days, missing):
    since = TODAY - timedelta(days=days) if days is not None else None
    facts = _facts(
        channel="phone",
        letter="reminder",
        points_to_help=True,
        offer=True,
        amount=amount,
        since=since,
    )
    assert derive(facts, RULES, TODAY).missing == missing


def test_an_objection_holds_back_a_case_that_meets_every_step():
    facts = _facts(
        channel="phone", letter="summons", points_to_help=True, offer=True, objected=True
    )
    steps = derive(facts, RULES, TODAY)
    assert steps.missing == ()
    assert steps.state == "objected" and not steps.ready


@pytest.mark.parametrize(
    ("reported", "state"),
    [(None, "ready"), (50_000, "reported"), (60_000, "reported"), (40_000, "ready")],
)
def test_the_repeat_rule(reported, state):
    facts = _facts(
        channel="phone", letter="reminder", points_to_help=True, offer=True, reported=reported
    )
    assert derive(facts, RULES, TODAY).state == state


def test_the_dates_are_the_first_time_each_step_was_met():
    facts = Facts(
        attempts=(
            AttemptFact(date(2026, 11, 3), "letter"),
            AttemptFact(date(2026, 11, 9), "phone"),
        ),
        letters=(
            LetterFact(date(2026, 11, 1), "other", points_to_help=True),
            LetterFact(date(2026, 11, 5), "reminder"),
            LetterFact(date(2026, 11, 20), "summons", data_offer=True),
        ),
        arrears_cents=10_000,
        arrears_since=date(2026, 10, 1),
    )
    steps = derive(facts, RULES, TODAY)
    assert (steps.contact_on, steps.points_to_help_on, steps.reminder_on, steps.offer_on) == (
        date(2026, 11, 9),
        date(2026, 11, 1),
        date(2026, 11, 5),
        date(2026, 11, 20),
    )
    assert steps.days_overdue == 64


def test_legal_steps_from_the_recorded_groundwork(session, worker, steps_case):
    _user, actor = worker
    case = steps_case(contact=False, offer=False)
    steps = service.legal_steps(session, actor, case)
    assert steps.missing == ("contact", "offer")
    groundwork.add_contact_attempt(
        session, actor, case, groundwork.ContactAttemptData(days_ago(3), "house_visit", "reached")
    )
    groundwork.add_letter(
        session, actor, case, groundwork.LetterData(days_ago(2), "summons", False, True)
    )
    steps = service.legal_steps(session, actor, case)
    assert steps.ready
    assert steps.contact_on == days_ago(3) and steps.offer_on == days_ago(2)


def test_legal_steps_are_read_through_the_policy_point(session, worker, steps_case):
    _user, actor = worker
    case = steps_case()
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    service.legal_steps(session, actor, case)
    session.commit()  # pending audit events are written with the transaction
    events = session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [e.action for e in events] == ["signalling.steps"]
    assert events[0].case_id == case.id


def test_only_the_landlord_asks_for_the_steps(session, steps_case, make_user):
    from portal.actor import staff_actor

    case = steps_case()
    coach = staff_actor(make_user("schuldhulp"))
    with pytest.raises(NotFound):
        service.legal_steps(session, coach, case)
