"""The working-day calendar for legal deadlines: Dutch public holidays from the ``holidays``
library, 5 May every year (Algemene termijnenwet art. 3), weekends; deadlines that end on a
day off move to the next working day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.workdays import (
    add_weeks,
    add_working_days,
    is_working_day,
    local_date,
    next_working_day,
    on_working_day,
    working_days_between,
)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 3, 29), False),  # Easter Monday
        (date(2027, 3, 26), True),  # Good Friday: not in the Algemene termijnenwet's list
        (date(2027, 4, 27), False),  # King's Day, a Tuesday
        (date(2027, 5, 5), False),  # Liberation Day counts every year, not only in 2030
        (date(2027, 5, 6), False),  # Ascension Day
        (date(2027, 5, 17), False),  # Whit Monday
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 26), False),  # Boxing Day (and a Saturday)
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2027, 4, 26), True),  # an ordinary Monday
        (date(2027, 4, 24), False),  # a Saturday
        (date(2027, 4, 25), False),  # a Sunday
    ],
)
def test_known_days(day, working):
    assert is_working_day(day) is working


def test_kings_day_on_a_sunday_is_kept_on_the_saturday():
    # 27 April 2025 was a Sunday: King's Day was Saturday the 26th, so Monday the 28th works.
    assert is_working_day(date(2025, 4, 28))


def test_three_working_days_skip_kings_day():
    # Sent on Friday 23 April 2027: Monday 26, (Tuesday 27 is King's Day), Wednesday 28,
    # Thursday 29.
    assert add_working_days(date(2027, 4, 23), 3) == date(2027, 4, 29)


def test_three_working_days_skip_easter():
    # From Thursday 25 March 2027: Good Friday counts (the law does not name it), the
    # weekend and Easter Monday do not: Friday 26, Tuesday 30, Wednesday 31.
    assert add_working_days(date(2027, 3, 25), 3) == date(2027, 3, 31)


def test_a_deadline_in_weeks_ending_on_a_holiday_moves_to_the_next_working_day():
    # Four weeks after Monday 1 March 2027 is Easter Monday: the deadline is Tuesday.
    assert add_weeks(date(2027, 3, 1), 4) == date(2027, 3, 30)
    # Christmas Day 2026 (Friday), then the weekend with Boxing Day: Monday 28 December.
    assert add_weeks(date(2026, 11, 27), 4) == date(2026, 12, 28)
    # 5 May 2027 (Liberation Day), then Ascension Day: Friday 7 May.
    assert add_weeks(date(2027, 4, 7), 4) == date(2027, 5, 7)
    # An ordinary day stays where it is.
    assert add_weeks(date(2027, 4, 26), 4) == date(2027, 5, 24)


def test_next_and_on_working_day():
    assert next_working_day(date(2027, 4, 26)) == date(2027, 4, 28)  # over King's Day
    assert on_working_day(date(2027, 4, 26)) == date(2027, 4, 26)
    assert on_working_day(date(2027, 4, 24)) == date(2027, 4, 26)
    assert add_working_days(date(2027, 4, 24), 0) == date(2027, 4, 24)
    with pytest.raises(ValueError, match="forwards"):
        add_working_days(date(2027, 4, 24), -1)


def test_working_days_between():
    assert working_days_between(date(2027, 4, 23), date(2027, 4, 29)) == 3
    assert working_days_between(date(2027, 4, 29), date(2027, 4, 23)) == -3
    assert working_days_between(date(2027, 4, 23), date(2027, 4, 23)) == 0


def test_the_dutch_date_of_a_moment():
    # 23:30 UTC on 31 December is already New Year's Day in the Netherlands.
    assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
