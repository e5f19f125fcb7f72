"""The top of the case page: the case in a few lines (household, arrears, status, who is
involved, consents, an open referral or decision) and the primary actions at hand.

The rooms also tell their steps for the timeline (``register_case_events``).

The rooms add what they know with ``register_case_summary`` (the kernel cannot import them):
each source answers, for the actor and the case, a few facts and the actions the actor may
take, through the same policy the rooms' own pages use. Facts carry no personal data of their
own (organisation names, statuses, counts, dates); the household and arrears lines come from
the page's one ``reveal`` (``CaseView``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.cases.models import Case


@dataclass(frozen=True)
class CaseFact:
    label: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class CaseAction:
    label: str
    url: str
    #: The action most cases need next (shown as the primary button).
    primary: bool = False


@dataclass(frozen=True)
class SummaryPart:
    facts: tuple[CaseFact, ...] = ()
    actions: tuple[CaseAction, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class CaseEvent:
    """A step of the case told by another room (a referral accepted, a consent given, a
    decision taken), for the case page's timeline: words and an organisation, no data."""

    at: datetime
    what: str
    text: str = ""
    organisation: str | None = None


EventSource = Callable[[Session, Actor, Case], list[CaseEvent]]
_event_sources: dict[str, EventSource] = {}


def register_case_events(key: str, source: EventSource) -> None:
    _event_sources[key] = source


def case_events(session: Session, actor: Actor, case: Case) -> list[CaseEvent]:
    return [e for source in _event_sources.values() for e in source(session, actor, case)]


SummarySource = Callable[[Session, Actor, Case], SummaryPart]
_sources: dict[str, SummarySource] = {}


def register_case_summary(key: str, source: SummarySource) -> None:
    _sources[key] = source


def case_summary(session: Session, actor: Actor, case: Case) -> list[SummaryPart]:
    parts = [source(session, actor, case) for source in _sources.values()]
    return sorted(parts, key=lambda part: part.order)
