"""The shelter hand-over: an approved eviction refers the family to the shelter point with a
checklist, and with minors the bailiff waits until it is ready."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

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
from tests.shelter.conftest import EVICTION_IN_DAYS, accept, approve


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
    accept(session, yara, handover)
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
    accept(session, yara, handover)
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


def test_the_shelter_point_ticks_only_once_it_accepted_the_referral(
    session, people, family_case, shelter_point
):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    _yara, yara = shelter_point
    assert not any(service.may_tick(session, yara, item) for item in handover.items)
    with pytest.raises(Conflict) as refused:
        service.tick(session, yara, handover, "shelter_arranged", note="Gezinshuis De Linde")
    assert "Accepteer eerst de overdracht" in str(refused.value.message)
    # Nothing changed: not ticked, nothing in the audit log.
    assert all(item.done_at is None and item.note is None for item in handover.items)
    ticked = select(AuditEvent).where(AuditEvent.action == "shelter.item_done")
    assert session.scalar(ticked) is None
    accept(session, yara, handover)
    assert all(service.may_tick(session, yara, item) for item in handover.items)
    item = service.tick(session, yara, handover, "shelter_arranged", note="Gezinshuis De Linde")
    assert item.done_at is not None and item.done_by_id == yara.user_id


def test_after_a_decline_the_owner_refers_the_family_again(
    app, session, people, family_case, shelter_point
):
    from handover import service as referrals
    from handover.shelter.work import case_summary

    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    first = session.get_one(Referral, handover.referral_id)
    _yara, yara = shelter_point
    sanne = people["corporatie"][1]
    referrals.decline(session, yara, first, "Geen plek in deze regio.", version=None)
    assert service.lapsed(session, handover)
    # The bailiff still waits, and says why: the shelter point declined, with its reason.
    hold = service.bailiff_hold(session, decision)
    assert hold is not None and hold.blocking
    assert hold.message.startswith(f"{first.recipient.name} heeft de overdracht afgewezen.")
    assert "Meld het gezin opnieuw aan bij de opvang" in hold.message
    assert hold.reason is not None and hold.reason[0].kind == "decline"
    with pytest.raises(Conflict):
        decisions.record_bailiff_instructed(session, sanne, decision, instructed_on=local_today())
    # The case page's line says so too, and offers the owner to refer again.
    with app.test_request_context():
        part = case_summary(session, sanne, family_case)
        assert "heeft de overdracht afgewezen" in part.facts[0].text
        assert [a.label for a in part.actions] == ["Opnieuw aanmelden bij de opvang"]
        assert not case_summary(session, yara, family_case).actions
    # Only the owner refers again, to a partner with the shelter role.
    assert service.may_refer_again(session, sanne, handover)
    assert not service.may_refer_again(session, yara, handover)
    with pytest.raises(Forbidden):
        service.refer_again(session, yara, handover, recipient_org_id=yara.organisation_id)
    with pytest.raises(NotFound):
        service.refer_again(
            session, people["welzijn"][1], handover, recipient_org_id=yara.organisation_id
        )
    with pytest.raises(DomainError) as wrong:
        service.refer_again(session, sanne, handover, recipient_org_id=sanne.organisation_id)
    assert wrong.value.params["field"] == "recipient"
    with pytest.raises(DomainError):
        service.refer_again(
            session, sanne, handover, recipient_org_id=yara.organisation_id, note="x" * 1001
        )
    assert handover.referral_id == first.id  # the refusals changed nothing
    # One shelter point in the covenant: the same one again, in its inbox.
    again = service.refer_again(
        session, sanne, handover, recipient_org_id=yara.organisation_id, note="Na overleg."
    )
    assert handover.referral_id == again.id != first.id
    assert (again.status, again.recipient_org_id, again.purpose) == (
        "sent",
        yara.organisation_id,
        "shelter",
    )
    assert again.sender_org_id == family_case.organisation_id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "shelter.referred_again"))
    assert event is not None and event.detail_dict["previous"] == first.id
    assert not service.lapsed(session, handover)
    with pytest.raises(Conflict):  # once: it runs again
        service.refer_again(session, sanne, handover, recipient_org_id=yara.organisation_id)
    with app.test_request_context():
        assert "nog niet geaccepteerd" in case_summary(session, sanne, family_case).facts[0].text
    # Accepted, ticked, ready: the bailiff may come.
    accept(session, yara, handover)
    service.tick(session, yara, handover, "shelter_arranged", note="Gezinshuis De Linde")
    service.tick(session, yara, handover, "school_informed", note=None)
    service.tick(session, yara, handover, "care_informed", note=None)
    assert handover.ready and service.bailiff_hold(session, decision) is None
    decisions.record_bailiff_instructed(session, sanne, decision, instructed_on=local_today())


def test_another_shelter_point_takes_over_what_is_still_open(
    session, people, family_case, shelter_point, second_shelter_point
):
    from handover import service as referrals

    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    _yara, yara = shelter_point
    _noor, noord = second_shelter_point
    sanne = people["corporatie"][1]
    assert [o.id for o in service.shelter_points(session, "shelter")] == [
        yara.organisation_id,
        noord.organisation_id,
    ]
    assert handover.organisation_id == yara.organisation_id
    accept(session, yara, handover)
    service.tick(session, yara, handover, "shelter_arranged", note="Gezinshuis De Linde")
    service.tick(session, yara, handover, "school_informed", note="Juf gesproken.")
    first = session.get_one(Referral, handover.referral_id)
    referrals.return_to_sender(session, yara, first, "Gezin valt onder regio Noord.", version=None)
    hold = service.bailiff_hold(session, decision)
    assert hold is not None and "heeft de overdracht teruggegeven" in hold.message
    with pytest.raises(Conflict):  # the point that gave it back ticks nothing more
        service.tick(session, yara, handover, "care_informed", note=None)

    again = service.refer_again(session, sanne, handover, recipient_org_id=noord.organisation_id)
    assert again.recipient_org_id == handover.organisation_id == noord.organisation_id
    items = {i.item: i for i in handover.items}
    # The school was told, by whom and when: that stays. A place arranged by the point that
    # gave the hand-over back cannot be counted on: the new point arranges it.
    assert items["school_informed"].done_by_id == yara.user_id
    assert items["school_informed"].organisation_id == yara.organisation_id
    # Its note was the first point's own record, which nobody may read any more: erased.
    assert items["school_informed"].note is None
    arranged = items["shelter_arranged"]
    assert (arranged.done_at, arranged.done_by_id, arranged.note) == (None, None, None)
    assert arranged.organisation_id == items["care_informed"].organisation_id
    assert arranged.organisation_id == noord.organisation_id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "shelter.referred_again"))
    assert event.detail_dict["reopened"] == ["shelter_arranged"]
    # The first point no longer finds the hand-over; the new one prepares it.
    with pytest.raises(NotFound):
        service.load(session, yara, handover.id)
    accept(session, noord, handover)
    service.tick(session, noord, handover, "shelter_arranged", note="Opvang Noord, kamer 4")
    service.tick(session, noord, handover, "care_informed", note=None)
    assert handover.ready and service.bailiff_hold(session, decision) is None


def test_a_running_referral_is_not_referred_again(session, people, family_case, shelter_point):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    sanne = people["corporatie"][1]
    _yara, yara = shelter_point
    assert not service.may_refer_again(session, sanne, handover)
    with pytest.raises(Conflict):
        service.refer_again(session, sanne, handover, recipient_org_id=yara.organisation_id)
    assert session.scalar(select(func.count(Referral.id))) == 1
