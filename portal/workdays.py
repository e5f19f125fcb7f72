"""Working days in the Netherlands, for legal deadlines.

Deadlines set by law in the chain (the municipality's first conversation after an early
signal: four weeks, or three working days for a crisis signal; the decision on debt help
eight weeks later) follow the Algemene termijnenwet: a deadline that ends on a Saturday, a
Sunday or a generally recognised public holiday moves to the next working day (art. 1), and
a deadline counted in working days skips those days.

The public holidays come from the maintained ``holidays`` library (its Dutch calendar), not
from a hand-written list, with one addition from the law itself. The library's NL calendar
(checked with version 0.108) holds New Year's Day, Good Friday, Easter Sunday and Monday,
King's Day (27 April, or 26 April when the 27th is a Sunday), Ascension Day, Whit Sunday and
Monday, and both Christmas days; it holds Liberation Day (5 May) only in lustrum years (2025,
2030, ...), when it is a national day off. The Algemene termijnenwet (art. 3) names "de vijfde
mei" among the public holidays every year, so here 5 May never counts as a working day. Good
Friday is not on the law's list (Nieuwjaarsdag, tweede Paas- en Pinksterdag, Hemelvaartsdag,
both Christmas days, King's Day, 5 May): it is a working day here, although the library
counts it, since a crisis signal's three working days must not grow by a day the law does
not give.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter

from portal.db import utcnow

#: Dutch law counts days on the Dutch calendar, whatever the server's clock says.
TIMEZONE = ZoneInfo("Europe/Amsterdam")
#: Art. 3 Algemene termijnenwet: the fifth of May, every year (the library: lustrum years).
LIBERATION_DAY = (5, 5)
#: The library knows no years beyond its horizon; nobody counts a deadline that far.
_LAST_YEAR = 2100


@lru_cache(maxsize=256)
def public_holidays(year: int) -> frozenset[date]:
    """The generally recognised public holidays of ``year`` (weekends aside)."""
    found = set(holidays.country_holidays("NL", years=min(max(year, 1900), _LAST_YEAR)))
    found.add(date(year, *LIBERATION_DAY))
    found.discard(easter(year) - timedelta(days=2))  # Good Friday: not in the law's list
    return frozenset(found)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day after ``day`` (``day`` itself never counts)."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def on_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the next one: where a deadline that ends
    on a weekend or holiday moves to (Algemene termijnenwet art. 1)."""
    return day if is_working_day(day) else next_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` not counted; ``n`` = 0 is ``day``)."""
    if n < 0:
        raise ValueError("count working days forwards")
    for _ in range(n):
        day = next_working_day(day)
    return day


def add_weeks(day: date, weeks: int) -> date:
    """A deadline of ``weeks`` weeks from ``day``, moved to a working day when it ends on a
    weekend or public holiday."""
    return on_working_day(day + timedelta(weeks=weeks))


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end``; negative when
    ``end`` is before ``start`` (the working days from ``end``, exclusive, to ``start``)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def local_date(moment: datetime) -> date:
    """The Dutch calendar date of a moment (stored in UTC)."""
    return moment.astimezone(TIMEZONE).date()


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of a Dutch calendar day, as a moment (timezone-aware)."""
    return datetime.combine(day, time.min, tzinfo=TIMEZONE).astimezone(UTC)


def local_today() -> date:
    """Today as a Dutch caseworker means it: between 23:00 and midnight UTC (00:00 in
    Amsterdam) the server's UTC date is still yesterday, and a letter sent "today" would
    wrongly be a date in the future."""
    return local_date(utcnow())
