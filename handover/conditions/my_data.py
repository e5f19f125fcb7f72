"""The conditions of her trajectory in the tenant's "Mijn gegevens" (GDPR art. 15): what was
agreed, which organisation follows it and how often, each review so far (the day, kept or not)
and how the trajectory ended, in plain words.

She is held to these conditions, so she reads them whole, and what was written down when one
was not kept, as far as the policy point reveals it to her (the page's one ``reveal``). Never
who at the partner reviewed it, nor the owner's motivation of the end: a working note, like
the decision's motivation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handover.conditions.models import ConditionReview, TrajectoryCondition, TrajectoryEnd
from handover.decisions.models import Trajectory
from portal.cases.models import Case
from portal.covenant.rules import Covenant
from portal.i18n import code_in_words
from portal.sharing import Revealed, plain

#: A review as she reads it (B1).
REVIEW_WORDS = {
    "kept": _l("U hield zich aan de afspraak"),
    "breached": _l("U hield zich niet aan de afspraak"),
}
END_WORDS = {
    "kept": _l("Goed afgelopen: u hield zich aan de afspraken"),
    "broken": _l("Gestopt: u hield zich niet aan de afspraken"),
}


@dataclass(frozen=True)
class ReviewFact:
    day: date
    result: str
    kept: bool
    #: What was written down when it was not kept, when the policy point reveals it to her.
    note: str | None


@dataclass(frozen=True)
class ConditionFact:
    text: str | None
    followed_by: str
    how_often: str
    interval_weeks: int
    reviews: tuple[ReviewFact, ...]


@dataclass(frozen=True)
class TrajectoryFact:
    kind: str
    starts_on: date | None
    ends_on: date | None
    conditions: tuple[ConditionFact, ...]
    #: How it ended, once recorded: words and the day.
    ended: str | None
    ended_on: date | None


@dataclass(frozen=True)
class ConditionsFacts:
    trajectories: tuple[TrajectoryFact, ...]
    notice: str


@dataclass(frozen=True)
class Rows:
    conditions: list[TrajectoryCondition]
    ends: list[TrajectoryEnd]

    @property
    def reviews(self) -> list[ConditionReview]:
        return [r for c in self.conditions for r in c.reviews]

    def trajectories(self) -> list[Trajectory]:
        found = {c.trajectory_id: c.trajectory for c in self.conditions}
        found |= {e.trajectory_id: e.trajectory for e in self.ends}
        return [found[key] for key in sorted(found)]


def rows(session: Session, case: Case) -> Rows:
    conditions = session.scalars(
        select(TrajectoryCondition)
        .where(TrajectoryCondition.case_id == case.id)
        .options(selectinload(TrajectoryCondition.reviews))
        .order_by(TrajectoryCondition.id)
    )
    ends = session.scalars(
        select(TrajectoryEnd).where(TrajectoryEnd.case_id == case.id).order_by(TrajectoryEnd.id)
    )
    return Rows(list(conditions), list(ends))


def _breach_notes(found: Rows) -> list[ConditionReview]:
    return [r for r in found.reviews if r.result == "breached" and r.note is not None]


def fields(found: Rows) -> list[tuple[Any, tuple[str, ...]]]:
    """What of the rows she may see (for the page's one ``reveal``): each condition's text
    and the note of a breach; never the end's motivation."""
    return [(c, ("what",)) for c in found.conditions] + [
        (r, ("note",)) for r in _breach_notes(found)
    ]


def org_ids(found: Rows) -> set[int]:
    return {c.organisation_id for c in found.conditions}


def facts(
    shown: Revealed, found: Rows, names: dict[int, str], covenant: Covenant, lang: str
) -> ConditionsFacts | None:
    trajectories = found.trajectories()
    if not trajectories:
        return None
    noted = {id(r) for r in _breach_notes(found)}
    ends = {e.trajectory_id: e for e in found.ends}

    def review(r: ConditionReview) -> ReviewFact:
        note = plain(shown.get(r, "note")) if id(r) in noted else None
        return ReviewFact(
            r.reviewed_on, code_in_words(REVIEW_WORDS, r.result), r.result == "kept", note
        )

    def condition(c: TrajectoryCondition) -> ConditionFact:
        return ConditionFact(
            text=plain(shown.get(c, "what")),
            followed_by=names.get(c.organisation_id) or _("Onbekend"),
            how_often=ngettext("Elke week", "Elke %(num)s weken", c.interval_weeks),
            interval_weeks=c.interval_weeks,
            reviews=tuple(review(r) for r in c.reviews),
        )

    def trajectory(t: Trajectory) -> TrajectoryFact:
        kind = covenant.decisions.get(t.kind)
        end = ends.get(t.id)
        return TrajectoryFact(
            kind=kind.name.get(lang) if kind is not None else _("Onbekend"),
            starts_on=t.starts_on,
            ends_on=t.ends_on,
            conditions=tuple(condition(c) for c in found.conditions if c.trajectory_id == t.id),
            ended=code_in_words(END_WORDS, end.result) if end is not None else None,
            ended_on=end.ended_on if end is not None else None,
        )

    return ConditionsFacts(
        trajectories=tuple(trajectory(t) for t in trajectories),
        notice=_(
            "U mag in uw huis blijven als u zich aan een paar afspraken houdt. Dat heet een "
            "traject met voorwaarden. Een organisatie kijkt steeds of u zich aan de afspraken "
            "houdt. Hier ziet u de afspraken en hoe het ging."
        ),
    )
