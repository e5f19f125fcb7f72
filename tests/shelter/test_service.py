"""The shelter hand-over: an approved eviction refers the family to the shelter point with a
checklist, and with minors the bailiff waits until it is ready."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover.decisions import service as decisions
from handover.decisions.models import Assignment
from handover.models import Referral
from handover.shelter import service
from handover.shelter.models import ShelterHandover
from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.outbox.models import OutboxMessage
from portal.sharing import reveal_recorded
from portal.workdays import local_today
from tests.shelter.conftest import EVICTION_IN_DAYS, approve


def test_an_approved_eviction_refers_the_family_to_the_shelter_point(
    session, people, family_case, shelter_point
):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    assert handover is not None
    assert (handover.household_size, handover.minors) == (3, 2)
    assert handover.eviction_on == local_today() + timedelta(days=EVICTION_IN_DAYS)
    assert handover.organisation_id == shelter_point[0].organisation_id
    assert [i.item for i in handover.items] == [
        "shelter_arranged",
        "school_informed",
        "care_informed",
    ]
    referral = session.get_one(Referral, handover.referral_id)
    assert referral.status == "sent" and referral.purpose == "shelter"
    assert referral.sender_org_id == family_case.organisation_id
    assert set(referral.categories) >= {"identity", "contact", "household"}
    # It lands in the shelter point's inbox, and its e-mail names no one.
    notices = session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like("%Nieuwe overdracht%"))
    ).all()
    assert notices
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "shelter.started"))


def test_with_minors_the_bailiff_waits_until_the_hand_over_is_ready(
    session, people, family_case, shelter_point
):
    decision = approve(session, people, family_case)
    sanne = people["corporatie"][1]
    handover = service.of_decision(session, decision.id)
    with pytest.raises(Conflict) as refused:
        decisions.record_bailiff_instructed(session, sanne, decision, instructed_on=local_today())
    assert "School van de kinderen ingelicht" in str(refused.value.message).replace(
        "school", "School"
    )
    _yara, yara = shelter_point
    with pytest.raises(DomainError):  # where and from when: required for the shelter itself
        service.tick(session, yara, handover, "shelter_arranged", note="")
    with pytest.raises(Forbidden):  # the corporation cannot tick the shelter point's items
        service.tick(session, sanne, handover, "school_informed", note=None)
    service.tick(session, yara, handover, "shelter_arranged", note="Gezinshuis De Linde, vanaf 1-2")
    with pytest.raises(Conflict):
        service.tick(session, yara, handover, "shelter_arranged", note="Nog eens")
    service.tick(session, yara, handover, "school_informed", note=None)
    assert not handover.ready
    hold = service.bailiff_hold(session, decision)
    assert (
        hold is not None and hold.blocking and hold.missing == ("Zorg voor de kinderen ingelicht",)
    )
    service.tick(session, yara, handover, "care_informed", note="Wijkteam gebeld.")
    assert handover.ready and service.bailiff_hold(session, decision) is None
    assert session.scalar(
        select(OutboxMessage).where(OutboxMessage.subject.like("%Opvang voorbereid%"))
    )
    assignment = decisions.record_bailiff_instructed(
        session, sanne, decision, instructed_on=local_today()
    )
    assert assignment.bailiff_instructed_on == local_today()
    with pytest.raises(Conflict):  # once
        decisions.record_bailiff_instructed(session, sanne, decision, instructed_on=local_today())


def test_without_minors_the_hand_over_is_advised_not_required(
    session, people, single_case, shelter_point
):
    decision = approve(session, people, single_case)
    handover = service.of_decision(session, decision.id)
    assert [i.item for i in handover.items] == ["shelter_arranged"]
    hold = service.bailiff_hold(session, decision)
    assert hold is not None and not hold.blocking
    sanne = people["corporatie"][1]
    with pytest.raises(DomainError):  # not in the future
        decisions.record_bailiff_instructed(
            session, sanne, decision, instructed_on=local_today() + timedelta(days=1)
        )
    decisions.record_bailiff_instructed(session, sanne, decision, instructed_on=local_today())
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "decision.bailiff_instructed")
    )
    assert event.detail_dict["advised_to_wait"] is True


def test_where_the_family_goes_is_the_shelter_points_own_record(
    session, people, family_case, shelter_point
):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    _yara, yara = shelter_point
    item = service.tick(session, yara, handover, "shelter_arranged", note="Gezinshuis De Linde")
    shown = reveal_recorded(session, yara, family_case, handover.organisation_id, {item: ("note",)})
    assert shown.get(item, "note") == "Gezinshuis De Linde"
    sanne = people["corporatie"][1]
    hidden = reveal_recorded(
        session, sanne, family_case, handover.organisation_id, {item: ("note",)}
    )
    assert hidden.get(item, "note") != "Gezinshuis De Linde"
    # Nobody else knows the hand-over exists.
    with pytest.raises(NotFound):
        service.load(session, people["welzijn"][1], handover.id)
    assert service.load(session, sanne, handover.id) is handover


def test_a_declined_referral_stops_the_ticking(session, people, family_case, shelter_point):
    from handover import service as referrals

    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    _yara, yara = shelter_point
    referral = session.get_one(Referral, handover.referral_id)
    referrals.decline(session, yara, referral, "Geen plek in deze regio.", version=None)
    with pytest.raises(Conflict):
        service.tick(session, yara, handover, "school_informed", note=None)
    assert not service.may_tick(session, yara, handover.items[0])


def test_no_hand_over_for_a_refused_eviction(session, people, family_case, shelter_point):
    decision = decisions_refused(session, people, family_case)
    assert decision.assignment is None
    assert session.scalar(select(ShelterHandover.id)) is None
    assert session.scalar(select(Assignment.id)) is None


def decisions_refused(session, people, case):
    from tests.decisions.conftest import ready_to_vote

    decision = ready_to_vote(session, people, case)
    for voter in list(decision.voters):
        actor = next(a for _u, a in people.values() if a.organisation_id == voter.organisation_id)
        decisions.cast_vote(
            session,
            actor,
            decision,
            position="disagree",
            motivation="Oneens, er is een alternatief.",
        )
    return decision
