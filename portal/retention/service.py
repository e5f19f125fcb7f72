"""Retention: erase personal data on the covenant's schedule once a case has closed.

The covenant says how many days each data category is kept after its case closes
(``covenant.retention_days(category)``). For every closed case (``status == "closed"`` with a
``closed_at``) this module:

1. finds, generically, every model holding personal data: the mapped classes that mix in
   ``EncryptedRow`` and declare ``__categories__`` (field -> category). Each such model is
   ``Case`` itself or has a ``case_id`` column; a test holds every model to that;
2. erases the fields of each category whose period has passed (sets them to ``None``; the
   flush also drops their blind-index entries);
3. once every category's period has passed, crypto-shreds the case's data key
   (``portal.cases.service.shred_case``): whatever ciphertext is left can never be read again;
4. keeps the non-personal skeleton (reference, organisation, signal kinds, status, dates),
   so statistics still count the case;
5. records one ``retention.erase`` audit event per case it changed, naming the categories.

It is idempotent: the data itself says what is left to do (a field already ``None`` needs no
erasing; a case whose key is destroyed is finished), so a run that stopped half-way is simply
run again. It works in batches of cases by id; the CLI commits per batch. A dry run builds
the same plan and changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow
from portal.crypto.models import DataKey
from portal.db import Base, utcnow
from portal.errors import DomainError, Forbidden

CLOSED = "closed"
#: ``__retention__`` values of models this module leaves alone: ``with_case_key``, kept whole
#: (e.g. a sealed decision record) until the case key is shredded; ``on_delivery``, erased by
#: the outbox once a message is sent (it belongs to no case).
SELF_ERASED = ("with_case_key", "on_delivery")


class RetentionError(DomainError):
    """Retention cannot run safely (e.g. a personal-data model without a link to its case)."""

    status = 500


# --- which models hold personal data -----------------------------------------------------


@dataclass(frozen=True)
class PersonalModel:
    """A mapped class with personal fields, and how its rows belong to a case."""

    cls: type[EncryptedRow]
    #: The categories its fields belong to.
    categories: frozenset[str]

    @property
    def case_column(self) -> Any:
        # Every personal model but Case itself belongs to a case through its case_id column.
        return Case.id if self.cls is Case else self.cls.case_id  # type: ignore[attr-defined]

    @property
    def name(self) -> str:
        return self.cls.__name__

    def parts(self, category: str) -> list[tuple[tuple[str, ...], Any]]:
        """(fields, row condition) pairs holding ``category`` (``EncryptedRow.category_parts``)."""
        return self.cls.category_parts(category)


def personal_models(registry: Any = None) -> list[PersonalModel]:
    """Every mapped ``EncryptedRow`` subclass that declares ``__categories__``.

    Generic on purpose: a new model with personal fields (groundwork, consent notes, ...)
    is erased on schedule as soon as it declares its categories.
    """
    from portal import MODEL_MODULES

    for module in MODEL_MODULES:
        importlib.import_module(module)
    found = []
    for mapper in (registry or Base.registry).mappers:
        cls = mapper.class_
        categories = getattr(cls, "__categories__", None)
        if not issubclass(cls, EncryptedRow) or not categories:
            continue
        if getattr(cls, "__retention__", None) in SELF_ERASED:
            continue
        if cls is not Case and "case_id" not in mapper.columns:
            raise RetentionError(
                f"{cls.__name__} declares __categories__ but has no case_id column: "
                "retention cannot tell which case its rows belong to"
            )
        found.append(PersonalModel(cls, frozenset(categories.values())))
    return sorted(found, key=lambda m: m.name)


def declared_categories(models: Iterable[PersonalModel]) -> set[str]:
    return {category for model in models for category in model.categories}


# --- the plan for one case ---------------------------------------------------------------


@dataclass
class CasePlan:
    """What retention does (or, in a dry run, would do) to one case."""

    case_id: int
    reference: str
    closed_at: datetime
    #: Categories whose period has passed.
    due: list[str]
    #: Due categories that still hold data: category -> number of rows with data.
    erase: dict[str, int] = field(default_factory=dict)
    #: Every category's period has passed: destroy the data key.
    shred: bool = False

    @property
    def changes(self) -> bool:
        return bool(self.erase) or self.shred


@dataclass
class Schedule:
    """The covenant's periods for the categories the models declare."""

    models: list[PersonalModel]
    #: category -> days kept after the case closed
    periods: dict[str, int]
    #: categories a model declares that the covenant does not know: never erased here, and
    #: they stop a case from being shredded (their period is unknown).
    unknown: list[str]

    @classmethod
    def from_covenant(cls, session: Session) -> Schedule:
        from portal.covenant.rules import UnknownCode, active_covenant

        covenant = active_covenant(session)  # NoActiveCovenant: nothing is erased without one
        models = personal_models()
        periods: dict[str, int] = {}
        unknown: list[str] = []
        for category in sorted(declared_categories(models)):
            try:
                periods[category] = covenant.retention_days(category)
            except UnknownCode:
                unknown.append(category)
        return cls(models, periods, unknown)

    @property
    def shortest(self) -> int | None:
        return min(self.periods.values()) if self.periods else None

    def due(self, closed_at: datetime, now: datetime) -> list[str]:
        return sorted(c for c, days in self.periods.items() if closed_at + timedelta(days) <= now)

    def all_due(self, due: list[str]) -> bool:
        return not self.unknown and set(due) == set(self.periods)


def _candidates(schedule: Schedule, now: datetime) -> list[ColumnElement[bool]]:
    """Closed cases past the shortest period whose data key still exists."""
    shortest = schedule.shortest
    if shortest is None:
        return [Case.id.is_(None)]
    return [
        Case.status == CLOSED,
        Case.closed_at.is_not(None),
        Case.closed_at <= now - timedelta(days=shortest),
        Case.data_key_id.in_(select(DataKey.id).where(DataKey.destroyed_at.is_(None))),
    ]


def count_candidates(session: Session, schedule: Schedule, now: datetime) -> int:
    return session.scalar(select(func.count(Case.id)).where(*_candidates(schedule, now))) or 0


def _with_data(model: PersonalModel, names: tuple[str, ...], condition: Any, case_id: int) -> Any:
    query: Any = select(model.cls).where(
        model.case_column == case_id,
        or_(*[getattr(model.cls, name).is_not(None) for name in names]),
    )
    return query if condition is None else query.where(condition)


def plan_case(session: Session, schedule: Schedule, case: Case, now: datetime) -> CasePlan:
    """Read-only: which categories are due and which of them still hold data."""
    assert case.closed_at is not None
    due = schedule.due(case.closed_at, now)
    plan = CasePlan(case.id, case.reference, case.closed_at, due)
    for category in due:
        rows = 0
        for model in schedule.models:
            for names, condition in model.parts(category):
                query = _with_data(model, names, condition, case.id).subquery()
                rows += session.scalar(select(func.count()).select_from(query)) or 0
        if rows:
            plan.erase[category] = rows
    plan.shred = schedule.all_due(due)
    return plan


def apply_plan(
    session: Session, actor: Actor, schedule: Schedule, case: Case, plan: CasePlan
) -> None:
    """Erase the due categories' fields, shred when everything is due, record one event."""
    from portal.cases.service import shred_case

    for category in plan.erase:
        for model in schedule.models:
            for names, condition in model.parts(category):
                for row in session.scalars(_with_data(model, names, condition, case.id)):
                    for name in names:
                        setattr(row, name, None)
    session.flush()
    if plan.shred:
        shred_case(session, actor, case)
    record(
        session,
        actor,
        "retention.erase",
        case_id=case.id,
        categories=sorted(set(plan.erase) | (set(schedule.periods) if plan.shred else set())),
        detail={
            "closed_at": plan.closed_at.isoformat(),
            "rows": plan.erase,
            "shredded": plan.shred,
        },
    )


@dataclass
class BatchResult:
    plans: list[CasePlan]
    #: The last case id looked at: the next batch starts after it. None when done.
    last_id: int | None


def retention_batch(
    session: Session,
    actor: Actor,
    schedule: Schedule,
    *,
    now: datetime | None = None,
    after_id: int = 0,
    batch_size: int = 200,
    dry_run: bool = False,
) -> BatchResult:
    """Plan (and unless ``dry_run``, apply) retention for the next batch of closed cases."""
    if actor.kind != "system":
        raise Forbidden()
    now = now or utcnow()
    cases = session.scalars(
        select(Case)
        .where(*_candidates(schedule, now), Case.id > after_id)
        .order_by(Case.id)
        .limit(batch_size)
        .options(selectinload(Case.persons))
    ).all()
    if not cases:
        return BatchResult([], None)
    plans = []
    for case in cases:
        plan = plan_case(session, schedule, case, now)
        if plan.changes and not dry_run:
            apply_plan(session, actor, schedule, case, plan)
        plans.append(plan)
    session.flush()
    return BatchResult(plans, cases[-1].id)
