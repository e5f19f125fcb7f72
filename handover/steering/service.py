"""Steering figures for the covenant's steering group and per partner.

Everything here is counted in the database from non-personal columns only (dates, statuses,
codes, organisation ids), never from an encrypted field: the figures of a year ago stay the
same after retention erased that year's personal data. Only groups come back, and every
count goes through small-cell suppression (``portal.reports.suppression``) before anyone
sees it: a page, a CSV file and a chart all show the same protected numbers.

The durations (days from the signal to acceptance, first contact and help started) are read
as a histogram of whole days per measure (one ``GROUP BY``), so a median and a 90th
percentile cost the same at ten thousand referrals as at a million.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from handover.decisions.models import Assignment, Decision, Trajectory
from handover.earlysignal.models import OUTCOMES as SIGNAL_OUTCOMES
from handover.earlysignal.models import EarlySignal
from handover.models import Referral, ReferralEvent
from portal.actor import Actor
from portal.cases.models import Case, Signal
from portal.reports.service import month_end, month_of, month_start, month_window, scope_for
from portal.reports.suppression import THRESHOLD, Table, protect, protect_list
from portal.workdays import local_today

#: The monthly measures, in the order of the table's columns.
MONTHLY = (
    "signals",
    "cases_opened",
    "cases_closed",
    "referrals_sent",
    "deadline_breaches",
    "decisions_taken",
)
#: What became of a referral, by its status now.
RESULTS = {
    "running": ("sent", "accepted", "in_progress"),
    "completed": ("completed",),
    "declined": ("declined",),
    "returned": ("returned",),
    "expired": ("expired",),
    "escalated": ("escalated",),
    "withdrawn": ("withdrawn",),
}
#: Durations from the signal (the case being opened) to each step of a referral.
DURATIONS = ("accepted", "first_contact", "help_started")
#: The yearly figures of joint decisions and what followed them.
YEARLY = (
    "evictions_approved",
    "evictions_prevented",
    "evictions_executed",
    "trajectories_started",
    "trajectories_ended",
)
EVICTION = "eviction"


@dataclass(frozen=True)
class Duration:
    """Days from the signal to a step: how many referrals, the median and the 90th
    percentile; ``None`` when fewer than 5 referrals reached the step (not shown)."""

    measure: str
    count: int | None
    median: int | None
    p90: int | None


@dataclass(frozen=True)
class Steering:
    months: tuple[str, ...]
    organisation_id: int | None
    monthly: Table
    referrals: Table
    durations: tuple[Duration, ...]
    signal_outcomes: Table
    yearly: Table
    organisation_names: dict[int, str]


def _between(column: Any, window: list[str]) -> Any:
    return and_(column >= month_start(window[0]), column < month_end(window[-1]))


def _dates_between(column: Any, window: list[str]) -> Any:
    return and_(column >= month_start(window[0]).date(), column < month_end(window[-1]).date())


def _per_month(session: Session, column: Any, *where: Any) -> Counter[str]:
    month = month_of(session, column).label("month")
    rows = session.execute(select(month, func.count()).where(*where).group_by(month))
    return Counter(dict(rows.tuples().all()))


def _referral_party(organisation_id: int | None) -> list[Any]:
    if organisation_id is None:
        return []
    return [
        or_(
            Referral.sender_org_id == organisation_id,
            Referral.recipient_org_id == organisation_id,
        )
    ]


def _monthly(session: Session, window: list[str], org: int | None) -> Table:
    def own(column: Any) -> list[Any]:
        return [] if org is None else [column == org]

    counts: dict[str, Counter[str]] = {
        "signals": _per_month(
            session,
            Signal.signal_date,
            _dates_between(Signal.signal_date, window),
            *own(Signal.organisation_id),
        ),
        "cases_opened": _per_month(
            session,
            Case.created_at,
            _between(Case.created_at, window),
            *own(Case.organisation_id),
        ),
        "cases_closed": _per_month(
            session,
            Case.closed_at,
            _between(Case.closed_at, window),
            *own(Case.organisation_id),
        ),
        "referrals_sent": _per_month(
            session, Referral.sent_at, _between(Referral.sent_at, window), *_referral_party(org)
        ),
        "decisions_taken": _per_month(
            session,
            Decision.sealed_at,
            _between(Decision.sealed_at, window),
            Decision.status == "decided",
            *own(Decision.organisation_id),
        ),
    }
    # A deadline breached: a referral nobody answered in time, or a first contact too late.
    month = month_of(session, ReferralEvent.at).label("month")
    expired = session.execute(
        select(month, func.count())
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(ReferralEvent.kind == "expire", _between(ReferralEvent.at, window))
        .where(*_referral_party(org))
        .group_by(month)
    )
    late = _per_month(
        session,
        Referral.overdue_notified_at,
        _between(Referral.overdue_notified_at, window),
        *_referral_party(org),
    )
    counts["deadline_breaches"] = Counter(dict(expired.tuples().all())) + late
    cells = {(m, measure): counts[measure][m] for measure in MONTHLY for m in window}
    return protect(window, MONTHLY, cells, row_totals=False)


def _referral_results(
    session: Session, window: list[str], org: int | None
) -> tuple[Table, dict[int, str]]:
    from portal.accounts.models import Organisation

    rows = session.execute(
        select(Referral.recipient_org_id, Referral.status, func.count())
        .where(_between(Referral.sent_at, window), *_referral_party(org))
        .group_by(Referral.recipient_org_id, Referral.status)
    ).all()
    bucket = {status: name for name, statuses in RESULTS.items() for status in statuses}
    counts: Counter[tuple[str, str]] = Counter()
    for recipient, status, n in rows:
        counts[(str(recipient), bucket.get(status, "running"))] += n
    recipients = sorted({str(r) for r, _s, _n in rows}, key=int)
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([int(r) for r in recipients])
            )
        )
        .tuples()
        .all()
    )
    ordered = sorted(recipients, key=lambda r: names.get(int(r), r))
    return protect(ordered, tuple(RESULTS), counts), names


def _days(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", later - earlier) / 86400), Integer)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _percentile(histogram: list[tuple[int, int]], share: float) -> int:
    """The smallest number of days by which ``share`` of the referrals had reached the step."""
    total = sum(n for _d, n in histogram)
    seen = 0
    for days, n in histogram:
        seen += n
        if seen >= share * total:
            return days
    return histogram[-1][0]


def _durations(session: Session, window: list[str], org: int | None) -> tuple[Duration, ...]:
    """One pass over the period's referrals: the whole days from the signal to each step, as
    counted groups (a referral that has not reached a step has no days for it)."""
    steps = {
        "accepted": Referral.accepted_at,
        "first_contact": Referral.first_contact_at,
        "help_started": Referral.help_started_at,
    }
    days = [_days(session, steps[m], Case.created_at).label(m) for m in DURATIONS]
    rows = session.execute(
        select(*days, func.count())
        .join(Case, Case.id == Referral.case_id)
        .where(_between(Referral.sent_at, window), Referral.accepted_at.is_not(None))
        .where(*_referral_party(org))
        .group_by(*days)
    ).all()
    found = []
    for i, measure in enumerate(DURATIONS):
        counts: Counter[int] = Counter()
        for row in rows:
            if row[i] is not None:
                counts[max(0, int(row[i]))] += row[-1]
        histogram = sorted(counts.items())
        count = sum(counts.values())
        if count < THRESHOLD:
            found.append(Duration(measure, None, None, None))
        else:
            found.append(
                Duration(measure, count, _percentile(histogram, 0.5), _percentile(histogram, 0.9))
            )
    return tuple(found)


def _signal_outcomes(session: Session, window: list[str], org: int | None) -> Table:
    query = (
        select(EarlySignal.outcome, func.count())
        .where(EarlySignal.outcome.is_not(None), _dates_between(EarlySignal.outcome_on, window))
        .group_by(EarlySignal.outcome)
    )
    if org is not None:
        query = query.join(Referral, Referral.id == EarlySignal.referral_id).where(
            *_referral_party(org)
        )
    counts = {str(o): n for o, n in session.execute(query).tuples().all()}
    order = [o for o in SIGNAL_OUTCOMES if o in counts] + sorted(
        o for o in counts if o not in SIGNAL_OUTCOMES
    )
    return protect_list(counts, order)


def _per_year(session: Session, column: Any, *where: Any) -> Counter[str]:
    year = func.substr(month_of(session, column), 1, 4).label("year")
    rows = session.execute(select(year, func.count()).where(*where).group_by(year))
    return Counter(dict(rows.tuples().all()))


def _yearly(session: Session, years: list[str], org: int | None) -> Table:
    def own(column: Any) -> list[Any]:
        return [] if org is None else [column == org]

    eviction = [Decision.kind == EVICTION, *own(Decision.organisation_id)]
    # A trajectory is the partner's when the decision it came from is.
    theirs = (
        [Trajectory.decision_id.in_(select(Decision.id).where(Decision.organisation_id == org))]
        if org is not None
        else []
    )
    counts = {
        "evictions_approved": _per_year(
            session, Decision.sealed_at, Decision.outcome == "approved", *eviction
        ),
        # Prevented: the partners refused the eviction, or the owner withdrew the decision
        # (the arrears paid, an agreement made).
        "evictions_prevented": _per_year(
            session, Decision.sealed_at, Decision.outcome == "refused", *eviction
        )
        + _per_year(session, Decision.closed_at, Decision.status == "withdrawn", *eviction),
        "evictions_executed": _per_year(
            session,
            Assignment.updated_at,
            Assignment.status == "executed",
            *own(Assignment.organisation_id),
        ),
        "trajectories_started": _per_year(
            session,
            Trajectory.starts_on,
            Trajectory.status == "active",
            *theirs,
        ),
        "trajectories_ended": _per_year(
            session,
            Trajectory.ends_on,
            Trajectory.status == "active",
            Trajectory.ends_on < local_today(),
            *theirs,
        ),
    }
    cells = {(y, measure): counts[measure][y] for measure in YEARLY for y in years}
    return protect(years, YEARLY, cells, row_totals=False)


def steering(
    session: Session, actor: Actor, *, months: int = 12, organisation_id: int | None = None
) -> Steering:
    """The steering figures of the last ``months``; ``organisation_id`` narrows them to one
    partner (a partner's own managers always get their own organisation's)."""
    scope = scope_for(actor)
    if scope is not None:
        organisation_id = scope
    window = month_window(months)
    years = sorted({m[:4] for m in window})
    referrals, names = _referral_results(session, window, organisation_id)
    return Steering(
        months=tuple(window),
        organisation_id=organisation_id,
        monthly=_monthly(session, window, organisation_id),
        referrals=referrals,
        durations=_durations(session, window, organisation_id),
        signal_outcomes=_signal_outcomes(session, window, organisation_id),
        yearly=_yearly(session, years, organisation_id),
        organisation_names=names,
    )


def csv_rows(figures: Steering) -> Iterable[list[str]]:
    """Every table of the page as CSV lines (the same protected numbers: "<5", never less)."""
    yield ["tabel", "rij", "kolom", "aantal"]
    for m in figures.months:
        for measure in MONTHLY:
            yield ["per_maand", m, measure, str(figures.monthly.cell(m, measure))]
    for measure in MONTHLY:
        yield ["per_maand", "totaal", measure, str(figures.monthly.column_totals[measure])]
    for r in figures.referrals.rows:
        name = figures.organisation_names.get(int(r), r)
        for result in RESULTS:
            yield ["overdrachten", name, result, str(figures.referrals.cell(r, result))]
        yield ["overdrachten", name, "totaal", str(figures.referrals.row_totals[r])]
    for result in RESULTS:
        yield ["overdrachten", "totaal", result, str(figures.referrals.column_totals[result])]
    yield ["overdrachten", "totaal", "totaal", str(figures.referrals.total)]
    for d in figures.durations:
        few = d.count is None  # fewer than 5: no count, median or percentile is given
        yield ["doorlooptijd_dagen", d.measure, "aantal", f"<{THRESHOLD}" if few else str(d.count)]
        yield ["doorlooptijd_dagen", d.measure, "mediaan", "" if few else str(d.median)]
        yield ["doorlooptijd_dagen", d.measure, "p90", "" if few else str(d.p90)]
    outcomes = figures.signal_outcomes
    for outcome in outcomes.rows:
        yield ["vroegsignalen", outcome, "uitkomst", str(outcomes.cell(outcome, "n"))]
    yield ["vroegsignalen", "totaal", "uitkomst", str(figures.signal_outcomes.total)]
    for y in figures.yearly.rows:
        for measure in YEARLY:
            yield ["per_jaar", y, measure, str(figures.yearly.cell(y, measure))]
