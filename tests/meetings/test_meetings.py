"""Case meetings: the host puts its case on the agenda and invites partners only as the
covenant's case-meeting purpose allows; an invited partner sees its role's package while the
item is open and nothing after; guests sign before the minutes; agreements are tasks in the
owner's Mijn werk; the tenant answers her own invitation only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover.meetings import minutes, service
from handover.meetings.models import MeetingItem
from portal.actor import Actor
from portal.cases.models import CaseGrant
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.sharing import decide
from portal.tasks import service as tasks
from portal.work import work_for
from portal.workdays import local_today


def test_only_the_covenants_roles_can_be_invited(session, people, item):
    invitable = {i.organisation.slug: i.role for i in service.invitable(session, item)}
    assert invitable["wijkteam"] == "district_team" and invitable["politie"] == "police"
    assert "welzijn" not in invitable and "corporatie" not in invitable
    with pytest.raises(DomainError):
        service.invite(session, people["corporatie"][1], item,
                       people["welzijn"][0].organisation_id)  # fmt: skip
    with pytest.raises(Forbidden):
        service.invite(session, people["wijkteam"][1], item,
                       people["politie"][0].organisation_id)  # fmt: skip


def test_an_invited_partner_sees_its_package_while_the_item_is_open(session, people, item, case):
    police = people["politie"]
    service.invite(session, people["corporatie"][1], item, police[0].organisation_id)
    with pytest.raises(Conflict):
        service.invite(session, people["corporatie"][1], item, police[0].organisation_id)
    seen = decide(session, police[1], case, ["nuisance", "case_meeting", "finances", "reporter"])
    assert seen["nuisance"].allowed and seen["case_meeting"].allowed
    assert not seen["finances"].allowed and not seen["reporter"].allowed
    assert service.load_item(session, police[1], item.id) is item
    service.close_item(session, people["corporatie"][1], item)
    with pytest.raises(Conflict):
        service.close_item(session, people["corporatie"][1], item)
    session.expire_all()
    assert not session.scalars(select(CaseGrant).where(CaseGrant.source == item.source)).all()
    assert not decide(session, police[1], case, ["nuisance"])["nuisance"].allowed
    with pytest.raises(NotFound):
        service.load_item(session, police[1], item.id)


def test_a_partner_reads_its_open_agreement_after_the_item_is_closed(session, people, item, case):
    """After closing, a partner with an agreement still to do keeps the meeting's own category
    (to read what it promised), nothing else of its package, and not the discussion itself;
    with the agreement done, that ends too."""
    host, team = people["corporatie"][1], people["wijkteam"]
    service.invite(session, host, item, team[0].organisation_id)
    service.invite(session, host, item, people["politie"][0].organisation_id)
    agreement = minutes.add_agreement(
        session, host, item, text="Begeleiding starten.",
        organisation_id=team[0].organisation_id, due_on=local_today() + timedelta(days=14),
    )  # fmt: skip
    service.close_item(session, host, item)
    seen = decide(session, team[1], case, ["case_meeting", "nuisance"])
    assert seen["case_meeting"].allowed and not seen["nuisance"].allowed
    assert not decide(session, people["politie"][1], case, ["case_meeting"])["case_meeting"].allowed
    with pytest.raises(NotFound):
        service.load_item(session, team[1], item.id)
    expected = [(c, g.organisation_id, g.categories) for c, g in service.expected_grants(session)]
    assert expected == [(case.id, team[0].organisation_id, frozenset({"case_meeting"}))]
    task = minutes.task_of(session, agreement)
    assert task is not None
    minutes.complete_agreement(session, team[1], agreement, task)
    session.expire_all()
    assert not session.scalars(select(CaseGrant).where(CaseGrant.source == item.source)).all()
    assert not decide(session, team[1], case, ["case_meeting"])["case_meeting"].allowed
    assert list(service.expected_grants(session)) == []


def test_the_host_puts_only_its_own_open_cases_on_the_agenda(session, people, meeting, make_case):
    other = make_case("zorg", bsn="123456782")
    with pytest.raises(Forbidden):
        service.add_case(session, people["corporatie"][1], meeting, other)
    case = make_case("corporatie", bsn="111222333")
    service.add_case(session, people["corporatie"][1], meeting, case)
    with pytest.raises(Conflict):
        service.add_case(session, people["corporatie"][1], meeting, case)


def test_a_guest_signs_before_the_minutes(session, people, meeting, item):
    host = people["corporatie"][1]
    guest = minutes.add_guest(session, host, meeting, name="J. de Wit", organisation="School")
    session.refresh(meeting)
    assert minutes.blocked(meeting)
    with pytest.raises(Conflict):
        minutes.record_minutes(session, host, item, "Besproken.")
    with pytest.raises(DomainError):
        minutes.sign(session, host, guest, agreed=False)
    minutes.sign(session, host, guest, agreed=True)
    assert guest.signed_at is not None and guest.signed_recorded_by_id == host.user_id
    with pytest.raises(Conflict):
        minutes.sign(session, host, guest, agreed=True)
    session.refresh(meeting)
    minutes.record_minutes(session, host, item, "Besproken.")
    assert item.minutes_at is not None


def test_an_agreement_is_a_task_in_the_owners_mijn_werk(session, people, item, app):
    host, team = people["corporatie"][1], people["wijkteam"]
    service.invite(session, host, item, team[0].organisation_id)
    with pytest.raises(DomainError):  # not at the table
        minutes.add_agreement(session, host, item, text="Iets doen.",
                              organisation_id=people["politie"][0].organisation_id,
                              due_on=local_today())  # fmt: skip
    agreement = minutes.add_agreement(
        session, host, item, text="Begeleiding starten.",
        organisation_id=team[0].organisation_id, due_on=local_today() + timedelta(days=14),
    )  # fmt: skip
    task = minutes.task_of(session, agreement)
    assert task is not None and task.organisation_id == team[0].organisation_id
    with app.test_request_context():
        groups = {g.key: g for g in work_for(session, team[1], utcnow())}
    group = groups["task:meeting_agreement"]
    assert group.count == 1 and group.items[0].subject == item.case.reference
    tasks.complete(session, team[1], task)
    with pytest.raises(Conflict):
        tasks.complete(session, host, task)


def test_the_tenant_answers_her_own_invitation_only(session, people, item, make_case):
    host = people["corporatie"][1]
    her = Actor(kind="tenant", person_id=item.case.persons[0].id)
    with pytest.raises(NotFound):  # not invited yet
        minutes.answer(session, her, item, "coming")
    with pytest.raises(DomainError):
        service.invite_tenant(session, host, item, "Te kort.")
    service.invite_tenant(session, host, item, "We praten over de klachten van de buren.")
    minutes.answer(session, her, item, "coming")
    assert item.tenant_answered_at is not None
    other = make_case("corporatie", bsn="123456782")
    stranger = Actor(kind="tenant", person_id=other.persons[0].id)
    with pytest.raises(NotFound):
        minutes.answer(session, stranger, item, "not_coming")
    with pytest.raises(Conflict):
        minutes.answer(session, her, item, "coming", now=item.meeting.starts_at + timedelta(1))


def test_grants_follow_a_covenant_change(session, people, item):
    """The package is the covenant's in force (recomputed on activation): expected grants
    come from the open items."""
    service.invite(session, people["corporatie"][1], item, people["politie"][0].organisation_id)
    expected = list(service.expected_grants(session))
    assert [(case_id, g.source) for case_id, g in expected] == [(item.case_id, item.source)]
    assert session.get(MeetingItem, item.id).closed_at is None
