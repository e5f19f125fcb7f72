"""Following up a trajectory's conditions: list them, review them, record how it ended.

* ``add_condition``: the owner (the organisation whose decision started the trajectory) lists
  a condition of an active trajectory: what, the partner responsible, how often it is
  reviewed and the first review date. The review date becomes that partner's task.
* ``record_review``: the partner responsible reviews it: kept, or breached (then with a note,
  what happened). The review's task is done; the next review date is the next task, while
  the trajectory runs.
* ``record_end``: the owner records the end, once: kept (completed) or broken, with a date and
  a motivation. Open review tasks are cancelled and the partners' view of the case ends.

The responsible partners see the trajectory's package for their role (its decision's
purpose, ``trajectory:<id>`` grants), as the policy point decides per category: what they
read of the conditions and reviews is what that package and the tenant's consent allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.conditions.models import (
    END_RESULTS,
    REVIEW_RESULTS,
    TASK_KIND,
    ConditionReview,
    TrajectoryCondition,
    TrajectoryEnd,
)
from handover.decisions.models import Decision, Trajectory
from handover.decisions.service import covenant_for
from portal.accounts.models import Organisation
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.service import record
from portal.covenant.rules import NoActiveCovenant, UnknownCode, active_covenant
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.grants import Grant, set_grants
from portal.tasks import service as tasks
from portal.workdays import local_date

TEXT_MIN = 5
TEXT_MAX = 2000
MAX_INTERVAL_WEEKS = 26


def _staff(actor: Actor) -> bool:
    return actor.kind == "staff" and bool(actor.roles & CASEWORK_ROLES)


def _text(value: str | None, *, required: bool, what: object) -> str | None:
    text = " ".join((value or "").split())
    if required and len(text) < TEXT_MIN:
        raise DomainError(_l("Schrijf %(what)s (minstens %(n)s tekens).", what=what, n=TEXT_MIN))
    if len(text) > TEXT_MAX:
        raise DomainError(_l("De tekst is te lang (maximaal %(n)s tekens).", n=TEXT_MAX))
    return text or None


def owner_of(session: Session, trajectory: Trajectory) -> int:
    return session.get_one(Decision, trajectory.decision_id).organisation_id


def conditions_of(session: Session, trajectory_id: int) -> list[TrajectoryCondition]:
    return list(
        session.scalars(
            select(TrajectoryCondition)
            .where(TrajectoryCondition.trajectory_id == trajectory_id)
            .order_by(TrajectoryCondition.id)
        )
    )


def end_of(session: Session, trajectory_id: int) -> TrajectoryEnd | None:
    return session.scalar(select(TrajectoryEnd).where(TrajectoryEnd.trajectory_id == trajectory_id))


def responsible(session: Session, trajectory_id: int) -> set[int]:
    return {c.organisation_id for c in conditions_of(session, trajectory_id)}


def may_see(session: Session, actor: Actor, trajectory: Trajectory) -> bool:
    """The owner and the partners that follow a condition; to anyone else it does not exist."""
    if not _staff(actor) or trajectory.status != "active":
        return False
    return actor.organisation_id == owner_of(session, trajectory) or (
        actor.organisation_id in responsible(session, trajectory.id)
    )


def load_trajectory(session: Session, actor: Actor, trajectory_id: int) -> Trajectory:
    trajectory = session.get(Trajectory, trajectory_id)
    if trajectory is None or not may_see(session, actor, trajectory):
        raise NotFound()
    return trajectory


def load_condition(session: Session, actor: Actor, condition_id: int) -> TrajectoryCondition:
    condition = session.get(TrajectoryCondition, condition_id)
    if condition is None or not may_see(session, actor, condition.trajectory):
        raise NotFound()
    return condition


def is_owner(session: Session, actor: Actor, trajectory: Trajectory) -> bool:
    return _staff(actor) and actor.organisation_id == owner_of(session, trajectory)


def _require_owner(session: Session, actor: Actor, trajectory: Trajectory) -> None:
    if not may_see(session, actor, trajectory):
        raise NotFound()
    if not is_owner(session, actor, trajectory):
        raise Forbidden(_l("Alleen de organisatie die het traject startte, kan dit."))


def _running(session: Session, trajectory: Trajectory) -> None:
    if end_of(session, trajectory.id) is not None:
        raise Conflict(_l("Het einde van dit traject is al vastgelegd."))


def partners(session: Session, trajectory: Trajectory) -> list[Organisation]:
    """The organisations a condition may be given to: the covenant's partners."""
    covenant = active_covenant(session)
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.slug.in_(list(covenant.partners)))
            .order_by(Organisation.name)
        )
    )


# --- conditions -----------------------------------------------------------------------------


def add_condition(
    session: Session,
    actor: Actor,
    trajectory: Trajectory,
    *,
    what: str,
    organisation_id: int,
    interval_weeks: int,
    first_review_on: date,
    now: datetime | None = None,
) -> TrajectoryCondition:
    _require_owner(session, actor, trajectory)
    now = now or utcnow()
    text = _text(what, required=True, what=_l("de voorwaarde"))
    if organisation_id not in {o.id for o in partners(session, trajectory)}:
        raise DomainError(_l("Kies een partner van het convenant."), field="organisation_id")
    if not 1 <= interval_weeks <= MAX_INTERVAL_WEEKS:
        raise DomainError(
            _l("Kies elke 1 tot %(n)s weken.", n=MAX_INTERVAL_WEEKS), field="interval_weeks"
        )
    ends_on = trajectory.ends_on
    if ends_on is not None and first_review_on > ends_on:
        raise DomainError(_l("De eerste toetsing valt na het einde van het traject."))
    trajectory = lock_row(session, trajectory)
    _running(session, trajectory)
    condition = TrajectoryCondition(
        trajectory_id=trajectory.id,
        case=trajectory.case,
        organisation_id=organisation_id,
        interval_weeks=interval_weeks,
        first_review_on=first_review_on,
        created_at=now,
        created_by_id=actor.user_id,
    )
    condition.what = text
    session.add(condition)
    session.flush()
    tasks.add(
        session,
        actor,
        trajectory.case,
        kind=TASK_KIND,
        source=condition.source,
        organisation_id=organisation_id,
        due_on=first_review_on,
        now=now,
    )
    sync_grants(session, trajectory)
    record(
        session,
        actor,
        "condition.added",
        case_id=trajectory.case_id,
        categories=[condition.category_of("what")],
        detail={"trajectory": trajectory.id, "condition": condition.id},
    )
    return condition


def open_task(session: Session, condition: TrajectoryCondition):
    return next((t for t in tasks.for_source(session, condition.source) if t.is_open), None)


def may_review(session: Session, actor: Actor, condition: TrajectoryCondition) -> bool:
    return (
        _staff(actor)
        and actor.organisation_id == condition.organisation_id
        and condition.ended_at is None
    )


def record_review(
    session: Session,
    actor: Actor,
    condition: TrajectoryCondition,
    *,
    result: str,
    note: str | None,
    reviewed_on: date | None = None,
    task_id: int | None = None,
    now: datetime | None = None,
) -> ConditionReview:
    """The partner responsible reviews the condition; the next review date follows.
    ``task_id``: the review date the form answered; a colleague who answered it first wins."""
    if not may_see(session, actor, condition.trajectory):
        raise NotFound()
    if actor.organisation_id != condition.organisation_id:
        raise Forbidden(_l("Deze voorwaarde volgt een andere organisatie."))
    if result not in REVIEW_RESULTS:
        raise DomainError(_l("Kies of de voorwaarde is nagekomen."), field="result")
    text = _text(note, required=result == "breached", what=_l("wat er is gebeurd"))
    now = now or utcnow()
    reviewed_on = reviewed_on or local_date(now)
    if reviewed_on > local_date(now):
        raise DomainError(_l("De datum ligt in de toekomst."))
    condition = lock_row(session, condition)
    if condition.ended_at is not None:
        raise Conflict(_l("Het traject is beëindigd: er valt niets meer te toetsen."))
    task = open_task(session, condition)
    if task_id is not None and (task is None or task.id != task_id):
        raise Conflict(_l("Een collega heeft deze toetsing net vastgelegd."))
    review = ConditionReview(
        condition=condition,
        case=condition.case,
        due_on=task.due_on if task is not None else None,
        reviewed_on=reviewed_on,
        result=result,
        organisation_id=actor.organisation_id,
        user_id=actor.user_id,
        recorded_at=now,
    )
    if text:
        review.note = text
    session.add(review)
    session.flush()
    if task is not None:
        tasks.complete(session, actor, task, now=now)
    following = max(reviewed_on, task.due_on if task else reviewed_on) + timedelta(
        weeks=condition.interval_weeks
    )
    ends_on = condition.trajectory.ends_on
    if ends_on is None or following <= ends_on:
        tasks.add(
            session,
            actor,
            condition.case,
            kind=TASK_KIND,
            source=condition.source,
            organisation_id=condition.organisation_id,
            due_on=max(following, local_date(now)),
            now=now,
        )
    record(
        session,
        actor,
        "condition.reviewed",
        case_id=condition.case_id,
        categories=[review.category_of("note")] if text else [],
        detail={"condition": condition.id, "review": review.id, "result": result},
    )
    return review


def record_end(
    session: Session,
    actor: Actor,
    trajectory: Trajectory,
    *,
    result: str,
    ended_on: date,
    motivation: str,
    now: datetime | None = None,
) -> TrajectoryEnd:
    """The owner records how the trajectory ended, once."""
    _require_owner(session, actor, trajectory)
    if result not in END_RESULTS:
        raise DomainError(_l("Kies hoe het traject is afgelopen."), field="result")
    text = _text(motivation, required=True, what=_l("een motivering"))
    now = now or utcnow()
    if ended_on > local_date(now):
        raise DomainError(_l("De datum ligt in de toekomst."), field="ended_on")
    if trajectory.starts_on is not None and ended_on < trajectory.starts_on:
        raise DomainError(_l("De datum ligt vóór de start van het traject."), field="ended_on")
    trajectory = lock_row(session, trajectory)
    _running(session, trajectory)
    end = TrajectoryEnd(
        trajectory_id=trajectory.id,
        case=trajectory.case,
        result=result,
        ended_on=ended_on,
        organisation_id=actor.organisation_id,
        user_id=actor.user_id,
        recorded_at=now,
    )
    end.motivation = text
    session.add(end)
    session.flush()
    for condition in conditions_of(session, trajectory.id):
        condition.ended_at = now
        for task in tasks.for_source(session, condition.source):
            if task.is_open:
                tasks.cancel(session, actor, task, now=now)
    session.flush()
    sync_grants(session, trajectory)
    record(
        session,
        actor,
        "trajectory.ended",
        case_id=trajectory.case_id,
        categories=[end.category_of("motivation")],
        detail={"trajectory": trajectory.id, "result": result},
    )
    return end


# --- what the responsible partners may see --------------------------------------------------


def trajectory_grants(session: Session, trajectory: Trajectory) -> list[Grant]:
    """Each partner that follows a condition of a running trajectory: the package of its
    role under the trajectory's purpose (the policy point still decides per category)."""
    if trajectory.status != "active" or end_of(session, trajectory.id) is not None:
        return []
    try:
        covenant = active_covenant(session)
        purpose = covenant_for(session, trajectory.decision).decision(trajectory.kind).purpose
        sharing = covenant.purpose(purpose).sharing
    except (NoActiveCovenant, UnknownCode):
        return []
    owner = owner_of(session, trajectory)
    found = []
    for organisation_id in sorted(responsible(session, trajectory.id) - {owner}):
        slug = session.get_one(Organisation, organisation_id).slug
        for role in sorted(covenant.roles_of(slug)):
            if role in sharing:
                found.append(
                    Grant(
                        organisation_id,
                        role,
                        purpose,
                        frozenset(sharing[role]),
                        f"trajectory:{trajectory.id}",
                    )
                )
    return found


def sync_grants(session: Session, trajectory: Trajectory) -> None:
    set_grants(
        session,
        trajectory.case_id,
        f"trajectory:{trajectory.id}",
        trajectory_grants(session, trajectory),
    )


def expected_grants(session: Session) -> Iterator[tuple[int, Grant]]:
    ids = session.scalars(select(TrajectoryCondition.trajectory_id).distinct()).all()
    for trajectory_id in sorted(ids):
        trajectory = session.get_one(Trajectory, trajectory_id)
        for grant in trajectory_grants(session, trajectory):
            yield trajectory.case_id, grant
