"""Tasks: given to a partner with a deadline, shown in its Mijn werk (references and dates
only), done or cancelled once by the partner or the case's owner, and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.actor import staff_actor
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden
from portal.tasks import service as tasks
from portal.work import work_for
from portal.workdays import local_date

KIND = "test_follow_up"


@pytest.fixture(autouse=True)
def _kind(app):
    with app.test_request_context():
        tasks.register_kind(
            KIND,
            title="Afspraak nakomen",
            action="Bekijken",
            url=lambda task: url_for("cases.show", case_id=task.case_id),
        )


@pytest.fixture
def people(demo_covenant, make_user):
    return {slug: make_user(slug) for slug in ("corporatie", "schuldhulp", "welzijn")}


@pytest.fixture
def case(people, make_case):
    return make_case("corporatie")


def _add(session, people, case, days=7, org="schuldhulp"):
    return tasks.add(
        session,
        staff_actor(people["corporatie"]),
        case,
        kind=KIND,
        source="test:1",
        organisation_id=people[org].organisation_id,
        due_on=local_date(utcnow()) + timedelta(days=days),
    )


def test_a_task_shows_in_the_responsible_partners_work(app, session, people, case):
    task = _add(session, people, case)
    with app.test_request_context():
        groups = {g.key: g for g in work_for(session, staff_actor(people["schuldhulp"]), utcnow())}
        (item,) = groups[f"task:{KIND}"].items
        assert item.subject == case.reference and item.due == task.due_on
        theirs = work_for(session, staff_actor(people["welzijn"]), utcnow())
        assert f"task:{KIND}" not in {g.key for g in theirs}


@pytest.mark.parametrize("days", [-1, 5 * 365])
def test_a_deadline_in_the_past_or_years_ahead_is_refused(session, people, case, days):
    with pytest.raises(DomainError):
        _add(session, people, case, days=days)


def test_done_once_by_the_partner_or_the_owner_only(session, people, case):
    task = _add(session, people, case)
    with pytest.raises(Forbidden):
        tasks.complete(session, staff_actor(people["welzijn"]), task)
    tasks.complete(session, staff_actor(people["schuldhulp"]), task)
    assert not task.is_open and task.done_by_id == people["schuldhulp"].id
    with pytest.raises(Conflict):
        tasks.cancel(session, staff_actor(people["corporatie"]), task)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("task.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["task.added", "task.done"]
    assert tasks.open_of_case(session, case.id) == []
    assert tasks.for_source(session, "test:1") == [task]
