"""Steering figures for the covenant's steering group and per partner.

Everything here is counted in the database from non-personal columns only (dates, statuses,
codes, organisation ids), never from an encrypted field: the figures of a year ago stay the
same after retention erased that year's personal data. Only groups come back, and every
count goes through small-cell suppression (``portal.reports.suppression``) before anyone
sees it: a page, a CSV file and a chart all show the same protected numbers.

The referrals' figures (sent, deadlines breached, results per partner, durations) come from
the monthly rollup (``handover.steering.rollup``): sums per month and pair of organisations,
corrected for what changed since the nightly run, so a 36-month page at a million referrals
adds up months. The durations (days from the signal to acceptance, first contact and help
started) are such sums too: a histogram of whole days per step, so a median and a 90th
percentile cost the same at ten thousand referrals as at a million.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from handover.conditions.models import TrajectoryEnd
from handover.decisions.models import Assignment, Decision, Trajectory
from handover.earlysignal.models import OUTCOMES as SIGNAL_OUTCOMES
from handover.earlysignal.models import EarlySignal
from handover.models import Referral
from handover.steering import rollup
from handover.steering.rollup import Cell
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
DURATIONS = tuple(rollup.STEPS)
#: The yearly figures of joint decisions and what followed them.
YEARLY = (
    "evictions_approved",
    "evictions_prevented",
    "evictions_executed",
    "trajectories_started",
    "trajectories_ended",
    "trajectories_kept",
    "trajectories_broken",
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


def _monthly(
    session: Session, window: list[str], org: int | None, referrals: Counter[Cell]
) -> Table:
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
        "decisions_taken": _per_month(
            session,
            Decision.sealed_at,
            _between(Decision.sealed_at, window),
            Decision.status == "decided",
            *own(Decision.organisation_id),
        ),
    }
    # The referrals sent and the deadlines breached (a referral nobody answered in time, a
    # first contact too late) come from the referrals' sums.
    counts["referrals_sent"] = Counter()
    counts["deadline_breaches"] = Counter()
    for cell, n in referrals.items():
        if cell.measure == "status":
            counts["referrals_sent"][cell.month] += n
        elif cell.measure in rollup.BREACHES:
            counts["deadline_breaches"][cell.month] += n
    cells = {(m, measure): counts[measure][m] for measure in MONTHLY for m in window}
    return protect(window, MONTHLY, cells, row_totals=False)


def _referral_results(session: Session, referrals: Counter[Cell]) -> tuple[Table, dict[int, str]]:
    from portal.accounts.models import Organisation

    bucket = {status: name for name, statuses in RESULTS.items() for status in statuses}
    counts: Counter[tuple[str, str]] = Counter()
    for cell, n in referrals.items():
        if cell.measure == "status":
            counts[(str(cell.recipient_org_id), bucket.get(cell.key, "running"))] += n
    recipients = sorted({r for r, _result in counts}, key=int)
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


def _percentile(histogram: list[tuple[int, int]], share: float) -> int:
    """The smallest number of days by which ``share`` of the referrals had reached the step."""
    total = sum(n for _d, n in histogram)
    seen = 0
    for days, n in histogram:
        seen += n
        if seen >= share * total:
            return days
    return histogram[-1][0]


def _durations(referrals: Counter[Cell]) -> tuple[Duration, ...]:
    """The whole days from the signal to each step of the period's accepted referrals, from
    their histograms (a referral that has not reached a step has no days for it)."""
    found = []
    for measure in DURATIONS:
        counts: Counter[int] = Counter()
        for cell, n in referrals.items():
            if cell.measure == measure:
                counts[max(0, int(cell.key))] += n
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
            *rollup.party(Referral, org)
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
    # How the trajectories ended, as the owner recorded it: kept (ended well) or broken.
    ended = (
        [TrajectoryEnd.trajectory_id.in_(select(Trajectory.id).where(*theirs))]
        if org is not None
        else []
    )
    for measure, result in (("trajectories_kept", "kept"), ("trajectories_broken", "broken")):
        counts[measure] = _per_year(
            session, TrajectoryEnd.ended_on, TrajectoryEnd.result == result, *ended
        )
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
    sums = rollup.counts(session, window, organisation_id)
    referrals, names = _referral_results(session, sums)
    return Steering(
        months=tuple(window),
        organisation_id=organisation_id,
        monthly=_monthly(session, window, organisation_id, sums),
        referrals=referrals,
        durations=_durations(sums),
        signal_outcomes=_signal_outcomes(session, window, organisation_id),
        yearly=_yearly(session, years, organisation_id),
        organisation_names=names,
    )


def csv_rows(figures: Steering) -> Iterable[list[str]]:
    """Every table of the page as CSV lines (the same protected numbers: "x" where hidden)."""
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
