"""A trajectory's conditions: tasks with review dates for the partner responsible, reviews
kept or breached, the end recorded once, and the steering figures counting it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover.conditions import service
from handover.conditions.models import TASK_KIND
from handover.steering import service as steering
from portal.actor import Actor
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.grants import grants_of
from portal.reports.suppression import SUPPRESSED
from portal.sharing import reveal
from portal.tasks import service as tasks
from portal.tasks.models import CaseTask
from portal.workdays import local_today


def _add(session, people, trajectory, slug="schuldhulp", weeks=4, first=14):
    return service.add_condition(
        session,
        people["corporatie"][1],
        trajectory,
        what="Elke maand een afspraak bij de budgetcoach.",
        organisation_id=people[slug][0].organisation_id,
        interval_weeks=weeks,
        first_review_on=local_today() + timedelta(days=first),
    )


def test_a_condition_is_a_task_with_a_review_date_for_the_partner(session, people, trajectory):
    condition = _add(session, people, trajectory)
    (task,) = tasks.for_source(session, condition.source)
    assert task.kind == TASK_KIND and task.is_open
    assert task.organisation_id == people["schuldhulp"][0].organisation_id
    assert task.due_on == local_today() + timedelta(days=14)
    # The partner sees the trajectory's package for its role (its decision's purpose).
    (grant,) = grants_of(session, trajectory.case_id, task.organisation_id)
    assert grant.source == f"trajectory:{trajectory.id}" and grant.recipient_role == "debt_coach"
    # Only the owner lists conditions; others do not find the trajectory at all.
    with pytest.raises(Forbidden):
        service.add_condition(
            session, people["schuldhulp"][1], trajectory, what="Iets anders afgesproken.",
            organisation_id=task.organisation_id, interval_weeks=2,
            first_review_on=local_today(),
        )  # fmt: skip
    with pytest.raises(NotFound):
        service.load_trajectory(session, people["welzijn"][1], trajectory.id)
    with pytest.raises(DomainError):
        _add(session, people, trajectory, weeks=0)


def test_a_review_sets_the_next_date_and_a_breach_needs_words(session, people, trajectory):
    condition = _add(session, people, trajectory)
    coach = people["schuldhulp"][1]
    with pytest.raises(Forbidden):  # the corporation does not review the coach's condition
        service.record_review(session, people["corporatie"][1], condition, result="kept", note="")
    with pytest.raises(DomainError):
        service.record_review(session, coach, condition, result="breached", note="")
    review = service.record_review(
        session, coach, condition, result="breached", note="Twee afspraken gemist."
    )
    assert review.due_on == local_today() + timedelta(days=14)
    done, following = tasks.for_source(session, condition.source)
    assert done.done_at is not None and following.is_open
    assert following.due_on == review.due_on + timedelta(weeks=4)
    assert condition.breaches == [review]
    service.record_review(session, coach, condition, result="kept", note=None)
    assert len(condition.reviews) == 2
    shown = reveal(session, people["corporatie"][1], trajectory.case, {review: ("note",)})
    assert shown.get(review, "note") == "Twee afspraken gemist."


def test_the_end_is_recorded_once_and_ends_the_reviews(session, people, trajectory):
    condition = _add(session, people, trajectory)
    sanne = people["corporatie"][1]
    with pytest.raises(DomainError):
        service.record_end(session, sanne, trajectory, result="broken", ended_on=local_today(),
                           motivation="")  # fmt: skip
    with pytest.raises(DomainError):
        service.record_end(
            session, sanne, trajectory, result="broken",
            ended_on=local_today() + timedelta(days=1), motivation="Te vroeg vastgelegd.",
        )  # fmt: skip
    end = service.record_end(
        session, sanne, trajectory, result="broken", ended_on=local_today(),
        motivation="Afspraken met de budgetcoach steeds niet nagekomen.",
    )  # fmt: skip
    assert end.result == "broken"
    with pytest.raises(Conflict):
        service.record_end(session, sanne, trajectory, result="kept", ended_on=local_today(),
                           motivation="Nog een keer proberen.")  # fmt: skip
    assert not [t for t in tasks.for_source(session, condition.source) if t.is_open]
    assert grants_of(session, trajectory.case_id, condition.organisation_id) == []
    with pytest.raises(Conflict):
        service.record_review(session, people["schuldhulp"][1], condition, result="kept", note="")


def test_steering_counts_trajectories_kept_and_broken(session, people, trajectory, make_case):
    from tests.conditions.conftest import start_trajectory

    sanne = people["corporatie"][1]
    year = str(local_today().year)
    service.record_end(session, sanne, trajectory, result="kept", ended_on=local_today(),
                       motivation="Alle voorwaarden nagekomen.")  # fmt: skip
    figures = steering.steering(session, Actor.system("test"), months=12)
    assert figures.yearly.cell(year, "trajectories_kept") is SUPPRESSED  # one: a small cell
    for n in range(9):
        other = start_trajectory(session, people, make_case("corporatie", surname=f"Ander{n}"))
        result = "kept" if n < 4 else "broken"
        service.record_end(session, sanne, other, result=result, ended_on=local_today(),
                           motivation="Zo is het traject afgelopen.")  # fmt: skip
    figures = steering.steering(session, Actor.system("test"), months=12)
    assert figures.yearly.cell(year, "trajectories_kept") == 5
    assert figures.yearly.cell(year, "trajectories_broken") == 5
    rows = list(steering.csv_rows(figures))
    assert ["per_jaar", year, "trajectories_broken", "5"] in rows


def test_reviews_show_in_the_partners_mijn_werk(app, session, people, trajectory):
    from portal.db import utcnow
    from portal.work import work_for

    _add(session, people, trajectory, first=0)
    with app.test_request_context():
        groups = work_for(session, people["schuldhulp"][1], utcnow())
    group = next(g for g in groups if g.key == f"task:{TASK_KIND}")
    assert group.count == 1 and group.items[0].subject == trajectory.case.reference
    assert session.scalar(select(CaseTask.id).where(CaseTask.kind == TASK_KIND))


def test_two_colleagues_answer_one_review_date_once(session, people, trajectory):
    condition = _add(session, people, trajectory)
    (task,) = tasks.for_source(session, condition.source)
    coach = people["schuldhulp"][1]
    service.record_review(session, coach, condition, result="kept", note=None, task_id=task.id)
    with pytest.raises(Conflict):  # the second click answers a date that is no longer open
        service.record_review(session, coach, condition, result="kept", note=None, task_id=task.id)
    assert len(condition.reviews) == 1
