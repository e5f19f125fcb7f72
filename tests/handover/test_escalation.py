"""A referral that ends without help goes on by itself, as the covenant says: debt help
offers its next rung at once (the demo covenant: ``escalation = "automatic"``), other
covenants leave the choice to the sender with a deadline, and a ladder that runs out alerts
the coordinating role (the demo's crisis team). The clock is moved, never waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover import service
from handover.models import Referral
from handover.work import next_step_to_choose
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.outbox.models import OutboxMessage
from portal.outbox.service import recipient
from tests.handover.conftest import refer


@pytest.fixture
def crisis_user(make_user):
    """Someone at the crisis team, the demo covenant's coordinating role."""
    return make_user("crisisteam")


def _offered_on(session, referral: Referral) -> Referral | None:
    return session.scalar(select(Referral).where(Referral.previous_id == referral.id))


def _mail_to(session, user) -> list[str]:
    return [
        m.subject
        for m in session.scalars(select(OutboxMessage))
        if recipient(session, m) == user.email
    ]


def _actions(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_declined_referral_goes_to_the_next_rung_at_once(session, people, case):
    referral = refer(session, people, case)
    service.decline(
        session,
        people["schuldhulp"][1],
        referral,
        "Geen plek deze maand.",
        version=referral.version,
    )
    assert referral.status == "escalated"
    nxt = _offered_on(session, referral)
    assert nxt is not None and nxt.status == "sent" and nxt.rung == 1
    assert nxt.recipient_org_id == people["welzijn"][0].organisation_id
    assert nxt.sender_org_id == referral.sender_org_id  # still the corporation's referral
    escalate = next(e for e in referral.events if e.kind == "escalate")
    assert escalate.user_id is None  # the covenant's rule, not a person
    # The sender, the partner it came from and the next partner are told.
    for slug in ("corporatie", "schuldhulp", "welzijn"):
        assert _mail_to(session, people[slug][0]), slug


def test_a_returned_referral_carries_everything_to_the_next_rung(session, people, case):
    referral = refer(session, people, case, note="Liefst bellen na 18.00 uur.")
    coach = people["schuldhulp"][1]
    referral = service.accept(session, coach, referral, version=referral.version)
    service.return_to_sender(
        session, coach, referral, "Drie keer niet bereikt.", version=referral.version
    )
    nxt = _offered_on(session, referral)
    assert nxt.previous is referral and nxt.status == "sent"
    assert service.next_step(session, nxt) is None  # welfare is the last rung


def test_an_expired_referral_is_offered_on_when_the_clock_passes_its_deadline(
    session, people, case
):
    referral = refer(session, people, case)
    assert (
        service.check_sla(session, now=referral.response_due_at - timedelta(minutes=1)).expired
        == []
    )
    later = referral.response_due_at + timedelta(minutes=1)
    result = service.check_sla(session, now=later)
    assert result.expired == [referral.id]
    assert referral.status == "escalated"
    nxt = _offered_on(session, referral)
    assert nxt.status == "sent" and nxt.sent_at == later
    assert service.check_sla(session, now=later).expired == []  # once


def test_a_ladder_that_runs_out_alerts_the_coordinating_role_once(
    session, people, case, crisis_user
):
    referral = refer(session, people, case)
    service.decline(
        session, people["schuldhulp"][1], referral, "Geen plek.", version=referral.version
    )
    last = _offered_on(session, referral)
    service.decline(session, people["welzijn"][1], last, "Ook geen plek.", version=last.version)
    assert last.status == "declined" and _offered_on(session, last) is None
    assert last.escalation_alerted_at is not None
    assert len(_actions(session, "referral.ladder_ended")) == 1
    subjects = _mail_to(session, crisis_user)
    assert subjects and all(case.reference in s and "Testpersoon" not in s for s in subjects)
    assert service.check_sla(session, now=utcnow() + timedelta(days=30)).stuck == []


def test_when_the_sender_chooses_it_has_a_deadline_then_the_coordinator_hears(
    app, session, people, case, crisis_user, sender_chooses
):
    referral = refer(session, people, case)
    service.decline(
        session, people["schuldhulp"][1], referral, "Geen plek.", version=referral.version
    )
    assert referral.status == "declined" and _offered_on(session, referral) is None
    assert referral.escalation_due_at is not None
    with app.test_request_context():  # the items link to the referral's page
        work = next_step_to_choose(session, people["corporatie"][1], utcnow())
        assert work is not None and work.count == 1 and work.items[0].subject == case.reference
        assert next_step_to_choose(session, people["schuldhulp"][1], utcnow()) is None

    before = referral.escalation_due_at - timedelta(minutes=1)
    assert service.check_sla(session, now=before).stuck == []
    after = referral.escalation_due_at + timedelta(minutes=1)
    assert service.check_sla(session, now=after).stuck == [referral.id]
    assert service.check_sla(session, now=after + timedelta(days=1)).stuck == []  # once
    assert len(_actions(session, "referral.escalation_overdue")) == 1
    assert _mail_to(session, crisis_user)


def test_choosing_by_hand_clears_the_deadline(app, session, people, case, sender_chooses):
    referral = refer(session, people, case)
    service.decline(
        session, people["schuldhulp"][1], referral, "Geen plek.", version=referral.version
    )
    nxt = service.escalate(
        session,
        people["corporatie"][1],
        referral,
        recipient_org_id=people["welzijn"][0].organisation_id,
        note="Samen op huisbezoek?",
        version=referral.version,
    )
    assert referral.escalation_due_at is None and nxt.status == "sent"
    with app.test_request_context():
        assert next_step_to_choose(session, people["corporatie"][1], utcnow()) is None


def test_a_next_partner_that_has_the_case_already_leaves_the_choice_to_the_sender(
    session, people, case
):
    """The decline itself never fails on what the covenant would do next."""
    welfare_org = people["welzijn"][0].organisation_id
    referral = refer(session, people, case)
    already = service.send(
        session, people["corporatie"][1], case, purpose="debt_help",
        recipient_org_id=welfare_org, note=None, rung=1,
    )  # fmt: skip
    coach = people["schuldhulp"][1]
    service.decline(session, coach, referral, "Geen plek.", version=referral.version)
    assert referral.status == "declined" and referral.escalation_due_at is not None
    assert _offered_on(session, referral) is None and already.status == "sent"


def test_the_sender_sees_where_the_case_went_and_the_partner_it_left_does_not(
    client, login, session, people, case
):
    referral = refer(session, people, case)
    coach = people["schuldhulp"][1]
    service.decline(session, coach, referral, "Geen plek.", version=referral.version)
    session.commit()
    login(client, people["corporatie"][0])
    sender_view = client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "aangeboden aan Welzijn Demostad" in sender_view
    assert "(door het convenant, vanzelf)" in sender_view
    login(client, people["schuldhulp"][0])
    coach_view = client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "Doorgezet naar volgende stap" in coach_view and "aangeboden aan" not in coach_view
