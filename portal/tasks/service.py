"""Tasks: add, complete and cancel them, and show each kind as a group in Mijn werk.

A room registers its kind of task once (``register_kind``) with the words of its Mijn werk
group and the link to the page where the task is done; it adds tasks as its own rows are made
(an agreement in a case meeting, a condition's review date). Completing or cancelling is open
to the responsible partner and to the case's owner, and the first outcome wins: two people
clicking "done" at once give one outcome and one audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden
from portal.tasks.models import CaseTask
from portal.work import SHOWN, WorkGroup, WorkItem, register_work_source
from portal.workdays import local_date

#: Furthest a deadline may lie ahead.
MAX_DAYS_AHEAD = 3 * 366


@dataclass(frozen=True)
class TaskKind:
    kind: str
    title: Any
    action: Any
    url: Callable[[CaseTask], str]


_kinds: dict[str, TaskKind] = {}


def register_kind(kind: str, *, title: Any, action: Any, url: Callable[[CaseTask], str]) -> None:
    """Declare a kind of task: its Mijn werk group's title, the action's words and where the
    task is done (a URL for the task)."""
    _kinds[kind] = TaskKind(kind, title, action, url)
    register_work_source(f"task:{kind}", partial(work_group, kind=kind))


def kind_of(kind: str) -> TaskKind | None:
    return _kinds.get(kind)


def _open() -> list[Any]:
    return [CaseTask.done_at.is_(None), CaseTask.cancelled_at.is_(None)]


def work_group(session: Session, actor: Actor, now: datetime, *, kind: str) -> WorkGroup | None:
    """Mijn werk's group for one kind: the organisation's open tasks, earliest deadline first
    (one count and one LIMIT query; case references and dates only)."""
    registered = _kinds.get(kind)
    if registered is None or actor.organisation_id is None:
        return None
    where = [CaseTask.organisation_id == actor.organisation_id, CaseTask.kind == kind, *_open()]
    count = session.scalar(select(func.count()).select_from(CaseTask).where(*where)) or 0
    if not count:
        return None
    rows = session.execute(
        select(CaseTask, Case.reference)
        .join(Case, Case.id == CaseTask.case_id)
        .where(*where)
        .order_by(CaseTask.due_on, CaseTask.id)
        .limit(SHOWN)
    ).all()
    items = tuple(
        WorkItem(
            subject=reference,
            what=str(registered.title),
            url=registered.url(task),
            action=str(registered.action),
            due=task.due_on,
        )
        for task, reference in rows
    )
    return WorkGroup(f"task:{kind}", str(registered.title), count, items)


def add(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    kind: str,
    source: str,
    organisation_id: int,
    due_on: date,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> CaseTask:
    """A new task for ``organisation_id`` (the caller checked that it may be given one)."""
    if kind not in _kinds:
        raise ValueError(f"unregistered task kind {kind!r}")
    today = local_date(now or utcnow())
    if not today <= due_on <= date.fromordinal(today.toordinal() + MAX_DAYS_AHEAD):
        raise DomainError(_l("Kies een datum vanaf vandaag en binnen drie jaar."), field="due_on")
    task = CaseTask(
        case_id=case.id,
        organisation_id=organisation_id,
        assignee_id=assignee_id,
        kind=kind,
        source=source,
        due_on=due_on,
        created_by_id=actor.user_id,
        created_at=now or utcnow(),
    )
    session.add(task)
    session.flush()
    _audit(session, actor, "task.added", task)
    return task


def _may_settle(actor: Actor, task: CaseTask) -> bool:
    return actor.kind == "system" or (
        actor.organisation_id is not None
        and actor.organisation_id in (task.organisation_id, task.case.organisation_id)
    )


def _settle(session: Session, actor: Actor, task: CaseTask, *, done: bool,
            now: datetime | None) -> CaseTask:  # fmt: skip
    if not _may_settle(actor, task):
        raise Forbidden(_l("Deze taak is van een andere organisatie."))
    task = lock_row(session, task)
    if not task.is_open:
        raise Conflict(_l("Deze taak is al afgerond."))
    moment = now or utcnow()
    if done:
        task.done_at, task.done_by_id = moment, actor.user_id
    else:
        task.cancelled_at = moment
    session.flush()
    _audit(session, actor, "task.done" if done else "task.cancelled", task)
    return task


def complete(session: Session, actor: Actor, task: CaseTask, *,
             now: datetime | None = None) -> CaseTask:  # fmt: skip
    return _settle(session, actor, task, done=True, now=now)


def cancel(session: Session, actor: Actor, task: CaseTask, *,
           now: datetime | None = None) -> CaseTask:  # fmt: skip
    return _settle(session, actor, task, done=False, now=now)


def for_source(session: Session, source: str) -> list[CaseTask]:
    return list(
        session.scalars(select(CaseTask).where(CaseTask.source == source).order_by(CaseTask.id))
    )


def open_of_case(session: Session, case_id: int) -> list[CaseTask]:
    return list(
        session.scalars(
            select(CaseTask)
            .where(CaseTask.case_id == case_id, *_open())
            .order_by(CaseTask.due_on, CaseTask.id)
        )
    )


def _audit(session: Session, actor: Actor, action: str, task: CaseTask) -> None:
    record(
        session,
        actor,
        action,
        case_id=task.case_id,
        detail={
            "task": task.id,
            "kind": task.kind,
            "source": task.source,
            "organisation": task.organisation_id,
            "due_on": task.due_on.isoformat(),
        },
    )
