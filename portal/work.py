""" "Mijn werk": what needs the signed-in professional's organisation now, one click from the
action: referrals waiting for an answer, first contacts to make, votes to cast, withdrawals to
acknowledge, imports that finished, cases without a first contact.

Each room knows its own work and registers a *work source* (``register_work_source``), as it
registers its case pages: the kernel cannot import the rooms. A source answers with a
``WorkGroup``: how many there are (one indexed count for the organisation) and the first few by
deadline (one indexed query, ``LIMIT``). No personal data: case references, organisation
names and dates only, so the page needs no audit event and costs no decryption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from portal.actor import Actor

#: How many items a group shows; the rest is one click away (``more_url``).
SHOWN = 5


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: on what (a case's reference), what, by when, and the link to do it."""

    subject: str
    what: str
    url: str
    action: str
    due: date | None = None

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


@dataclass(frozen=True)
class WorkGroup:
    """One kind of work: its title, how many, the first few by deadline, and where the rest is."""

    key: str
    title: str
    count: int
    items: tuple[WorkItem, ...] = field(default_factory=tuple)
    more_url: str | None = None
    more_text: str | None = None

    @property
    def first_due(self) -> date:
        dues = [i.due for i in self.items if i.due is not None]
        return min(dues) if dues else date.max


WorkSource = Callable[[Session, Actor, datetime], WorkGroup | None]
_sources: dict[str, WorkSource] = {}


def register_work_source(key: str, source: WorkSource) -> None:
    _sources[key] = source


def work_for(session: Session, actor: Actor, now: datetime) -> list[WorkGroup]:
    """Every group with work in it, the most urgent first (the earliest deadline)."""
    if actor.kind != "staff" or actor.organisation_id is None:
        return []
    groups = [g for source in _sources.values() if (g := source(session, actor, now)) and g.count]
    return sorted(groups, key=lambda g: (g.first_due, g.key))


def local_day(moment: Any) -> date | None:
    """A deadline as the day it falls on in the portal's time zone."""
    from portal.workdays import local_date

    if moment is None:
        return None
    if isinstance(moment, datetime):
        return local_date(moment)
    return moment if isinstance(moment, date) else None
