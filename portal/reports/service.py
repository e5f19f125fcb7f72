"""Statistics for the chain: cases per month by signal kind and status, erased or not.

Counting happens in the database (one GROUP BY query); only the groups come back, never the
cases. Erased cases (data key destroyed, by retention or by hand) keep their non-personal
skeleton (month, status, signal kinds), so they are still counted: the figures of a year
ago do not change when that year's personal data is erased.

Months are calendar months in UTC of the moment the case was opened (``created_at``).
Referral and decision counts can be added here when the handover package exists.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Text, case, cast, func, select
from sqlalchemy.orm import Session

from portal.accounts.roles import REPORT_ROLES
from portal.actor import Actor
from portal.cases.models import CASE_STATUSES, SIGNAL_KINDS, Case
from portal.crypto.models import DataKey
from portal.errors import Forbidden
from portal.workdays import local_today

#: The stack segment for erased cases (any status).
ERASED = "erased"


@dataclass
class MonthFigures:
    month: str  # "2026-11"
    cases: int = 0
    #: Not erased, per status.
    by_status: Counter[str] = field(default_factory=Counter)
    erased: int = 0
    #: Per signal kind (a case with two signals counts under both).
    by_signal: Counter[str] = field(default_factory=Counter)
    #: The finest grain: (signal kind, status, erased) -> cases.
    detail: Counter[tuple[str, str, bool]] = field(default_factory=Counter)


@dataclass
class CaseStatistics:
    """Figures per month, oldest first, every month of the window present (zeros too)."""

    months: list[MonthFigures]
    statuses: tuple[str, ...]
    signal_kinds: tuple[str, ...]
    organisation_id: int | None

    @property
    def total(self) -> int:
        return sum(m.cases for m in self.months)

    @property
    def erased(self) -> int:
        return sum(m.erased for m in self.months)

    @property
    def by_status(self) -> Counter[str]:
        return sum((m.by_status for m in self.months), Counter())

    @property
    def by_signal(self) -> Counter[str]:
        return sum((m.by_signal for m in self.months), Counter())


def month_of(session: Session, column: Any) -> Any:
    """The calendar month ("2026-11") of a timestamp (in UTC) or a date column, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        value = column if isinstance(column.type, Date) else func.timezone("UTC", column)
        return func.to_char(value, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def month_start(month: str) -> datetime:
    return _month_start(month)


def month_end(month: str) -> datetime:
    return _month_end(month)


def _month_start(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=UTC)


def _month_end(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)


def month_window(months: int, today: date | None = None) -> list[str]:
    """The last ``months`` calendar months up to and including this one, oldest first."""
    today = today or local_today()
    year, month = today.year, today.month
    found = []
    for _ in range(months):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def scope_for(actor: Actor) -> int | None:
    """Which cases an actor's figures cover: the covenant admin sees the whole region,
    team managers and auditors their own organisation. Others may not read statistics."""
    if actor.kind == "system" or (actor.kind == "staff" and actor.has_role("covenant_admin")):
        return None
    if actor.kind == "staff" and actor.roles & REPORT_ROLES and actor.organisation_id:
        return actor.organisation_id
    raise Forbidden()


def case_statistics(
    session: Session,
    actor: Actor,
    *,
    months: int = 12,
    organisation_id: int | None = None,
    today: date | None = None,
) -> CaseStatistics:
    """Cases opened per month (the last ``months``), by signal kind and status, erased or not.

    ``organisation_id`` narrows the region-wide figures to one organisation; actors without
    the covenant admin role always get their own organisation's.
    """
    scope = scope_for(actor)
    if scope is not None:
        organisation_id = scope
    window = month_window(months, today)
    month = month_of(session, Case.created_at).label("month")
    erased = case((DataKey.destroyed_at.is_(None), 0), else_=1).label("erased")
    signals = cast(Case.signal_kinds, Text).label("signals")
    query = (
        select(month, Case.status, erased, signals, func.count(Case.id))
        .join(DataKey, DataKey.id == Case.data_key_id)
        .where(Case.created_at >= _month_start(window[0]), Case.created_at < _month_end(window[-1]))
        .group_by(month, Case.status, erased, signals)
    )
    if organisation_id is not None:
        query = query.where(Case.organisation_id == organisation_id)
    figures = {m: MonthFigures(m) for m in window}
    statuses = list(CASE_STATUSES)
    for row_month, status, is_erased, signal_text, count in session.execute(query):
        target = figures.get(row_month)
        if target is None:
            continue
        if status not in statuses:
            statuses.append(status)
        target.cases += count
        if is_erased:
            target.erased += count
        else:
            target.by_status[status] += count
        for kind in json.loads(signal_text or "[]") or ["other"]:
            target.by_signal[kind] += count
            target.detail[(kind, status, bool(is_erased))] += count
    kinds = list(SIGNAL_KINDS)
    for m in figures.values():
        kinds += [k for k in m.by_signal if k not in kinds]
    return CaseStatistics(list(figures.values()), tuple(statuses), tuple(kinds), organisation_id)
