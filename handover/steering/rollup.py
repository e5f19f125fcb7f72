"""The steering figures' rollup: the page adds up sums per month, not a million referrals.

A referral's *place* in the figures is the month it was sent (UTC), its sender and
recipient, its status and the whole days from the signal to each step it reached. The
nightly job ``steering.rollup`` copies every referral's place (``SteeringReferral``) and
stores their sums per month, sender and recipient (``SteeringCount``), with the deadlines
breached per month, as of ``as_of`` (``SteeringRollup``).

A referral keeps changing long after the month it was sent (help that runs for a year, a
decline offered on to the next rung, a referral reopened and sent again), so no month's sums
are ever final. Between runs the page corrects them exactly: every change of a referral's
status, sending or steps writes an event (``handover.service``), so the referrals with an
event since ``as_of`` are the ones that may have moved; their copy comes out of the sums and
their place now goes in. The deadlines breached since ``as_of`` (a late first contact is
warned without an event) are counted directly, by time. Before the first run the page counts
every place directly, with the same queries.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import CompoundSelect

from handover.models import Referral, ReferralEvent
from handover.steering.models import SteeringCount, SteeringReferral, SteeringRollup
from portal.cases.models import Case
from portal.db import utcnow
from portal.extensions import db
from portal.jobs.registry import job
from portal.reports.service import month_end, month_of, month_start

#: The steps a referral's durations run to from the signal, in the page's order.
STEPS = {
    "accepted": Referral.accepted_at,
    "first_contact": Referral.first_contact_at,
    "help_started": Referral.help_started_at,
}
#: The measures of the deadlines breached: a referral nobody answered in time, a first
#: contact warned late.
BREACHES = ("expired", "late")
#: A place's columns (``SteeringReferral``'s but the referral id).
PLACE = ("month", "sender_org_id", "recipient_org_id", "status", *STEPS)
#: How long before the run ``as_of`` lies: longer than any transaction that moves a referral
#: takes, so a change the run could not see yet has its event after ``as_of``.
MARGIN = timedelta(hours=1)


class Cell(NamedTuple):
    """What a sum counts (the columns of ``SteeringCount`` but its count)."""

    month: str
    sender_org_id: int
    recipient_org_id: int
    measure: str
    key: str


def party(table: Any, org: int | None) -> list[Any]:
    """The rows of referrals in which ``org`` is sender or recipient (all when ``None``)."""
    if org is None:
        return []
    return [or_(table.sender_org_id == org, table.recipient_org_id == org)]


def _days(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", later - earlier) / 86400), Integer)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _places(session: Session) -> Select[Any]:
    """Every sent referral's place in the figures, in the columns of ``SteeringReferral``."""
    return (
        select(
            Referral.id.label("referral_id"),
            month_of(session, Referral.sent_at).label("month"),
            Referral.sender_org_id,
            Referral.recipient_org_id,
            Referral.status,
            *(_days(session, step, Case.created_at).label(name) for name, step in STEPS.items()),
        )
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.sent_at.is_not(None))
    )


def _grouped(places: Any) -> Select[Any]:
    """Places that count alike, with how many: one ``GROUP BY`` over all their columns."""
    columns = [places.c[name] for name in PLACE]
    return select(*columns, func.count()).group_by(*columns)


def _sums(session: Session, places: Any) -> Counter[Cell]:
    """What some places add to the figures, per month, sender and recipient: the referrals
    per status, and per whole days to each step of those that were accepted."""
    found: Counter[Cell] = Counter()
    for month, sender, recipient, status, *days, n in session.execute(_grouped(places)):
        found[Cell(month, sender, recipient, "status", status)] += n
        if days[0] is not None:  # accepted: the steps count from here
            for step, number in zip(STEPS, days, strict=True):
                if number is not None:
                    found[Cell(month, sender, recipient, step, str(number))] += n
    return found


def _breaches(
    session: Session, start: datetime | None, end: datetime, org: int | None
) -> CompoundSelect:
    """The deadlines breached from ``start`` (from the beginning when ``None``) to ``end``,
    per month, sender and recipient."""

    def between(column: Any) -> list[Any]:
        return [column < end] + ([] if start is None else [column >= start])

    pair = (Referral.sender_org_id, Referral.recipient_org_id)
    expired = month_of(session, ReferralEvent.at)
    late = month_of(session, Referral.overdue_notified_at)
    return union_all(
        select(expired, *pair, literal("expired"), literal(""), func.count())
        .select_from(ReferralEvent)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(ReferralEvent.kind == "expire", *between(ReferralEvent.at), *party(Referral, org))
        .group_by(expired, *pair),
        select(late, *pair, literal("late"), literal(""), func.count())
        .where(*between(Referral.overdue_notified_at), *party(Referral, org))
        .group_by(late, *pair),
    )


def _read(session: Session, *queries: Any) -> Counter[Cell]:
    found: Counter[Cell] = Counter()
    for query in queries:
        for *cell, n in session.execute(query).tuples():
            found[Cell(*cell)] += n
    return found


def counts(session: Session, window: list[str], org: int | None) -> Counter[Cell]:
    """The referrals' sums over the months of ``window`` (those in which ``org`` took part,
    when given): the rollup's, corrected for the referrals that changed since."""
    start, end = month_start(window[0]), month_end(window[-1])
    in_window = [Referral.sent_at >= start, Referral.sent_at < end, *party(Referral, org)]
    while True:
        as_of = session.scalar(select(SteeringRollup.as_of))
        if as_of is None:
            places = _places(session).where(*in_window).subquery()
            return _sums(session, places) + _read(session, _breaches(session, start, end, org))
        changed = select(ReferralEvent.referral_id).where(ReferralEvent.at >= as_of)
        stored = select(
            *(getattr(SteeringCount, name) for name in Cell._fields), SteeringCount.count
        ).where(SteeringCount.month.in_(window), *party(SteeringCount, org))
        copies = (
            select(SteeringReferral)
            .where(SteeringReferral.referral_id.in_(changed), SteeringReferral.month.in_(window))
            .where(*party(SteeringReferral, org))
            .subquery()
        )
        now = _places(session).where(Referral.id.in_(changed), *in_window).subquery()
        found = _read(session, stored, _breaches(session, max(start, as_of), end, org))
        found.update(_sums(session, now))
        found.subtract(_sums(session, copies))
        # The job may have replaced the rollup meanwhile: then read it again.
        if session.scalar(select(SteeringRollup.as_of)) == as_of:
            return +found


def rollup(session: Session) -> int:
    """Copy every referral's place and store the sums, as of ``MARGIN`` ago, in place of the
    previous rollup; returns how many referrals were copied."""
    as_of = utcnow() - MARGIN
    for model in (SteeringCount, SteeringReferral, SteeringRollup):
        session.execute(delete(model))
    places = _places(session)
    session.execute(
        insert(SteeringReferral).from_select([c.name for c in places.selected_columns], places)
    )
    sums = _sums(session, SteeringReferral.__table__)
    sums.update(_read(session, _breaches(session, None, as_of, None)))
    if sums:
        rows = [{**cell._asdict(), "count": n} for cell, n in sums.items()]
        session.execute(insert(SteeringCount), rows)
    # One row, id 1: of two runs at the same time the second fails on a duplicate key.
    session.add(SteeringRollup(id=1, as_of=as_of))
    session.flush()
    return session.scalar(select(func.count()).select_from(SteeringReferral)) or 0


@job("steering.rollup", time_limit=timedelta(hours=1))
def steering_rollup() -> str:
    copied = rollup(db.session)
    db.session.commit()
    return f"referrals: {copied}"
