"""The referral life cycle: the ladder, the package, every transition and its rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover import service
from handover.models import Referral
from portal.cases.policy import load_case
from portal.db import utcnow
from portal.errors import Conflict, DomainError, NotFound
from portal.outbox.models import OutboxMessage
from portal.outbox.service import body_of, recipient
from portal.sharing import Withheld, reveal


def send(session, people, case, **kw):
    coach_org = people["schuldhulp"][0].organisation_id
    return service.send(
        session,
        people["corporatie"][1],
        case,
        purpose="debt_help",
        recipient_org_id=coach_org,
        note="Moeder, twee kinderen; huisbezoek gelukt.",
        **kw,
    )


def test_proposal_follows_the_ladder_and_narrows_the_package_by_consent(session, people, case):
    proposal = service.propose(session, case, "debt_help")
    assert proposal.recipient_role == "debt_coach"
    assert [o.slug for o in proposal.recipients] == ["schuldhulp"]
    by_law = {"identity", "contact", "arrears", "finances", "tenant_input"}
    assert set(proposal.categories) == by_law
    assert set(proposal.missing_consent) == {"household", "contact_history", "life_map"}
    second = service.propose(session, case, "debt_help", rung=1)
    assert second.recipient_role == "welfare" and second.categories == []


def test_send_accept_report_complete(session, people, case):
    coach_user, coach = people["schuldhulp"]
    referral = send(session, people, case)
    assert referral.status == "sent"
    assert referral.categories == ["arrears", "contact", "finances", "identity", "tenant_input"]
    assert referral.response_due_at == referral.sent_at + timedelta(days=3)
    bodies = [
        body_of(session, m)
        for m in session.scalars(select(OutboxMessage))
        if recipient(session, m) == coach_user.email
    ]
    assert bodies and all("Testpersoon" not in b and case.reference in b for b in bodies)

    # The coach can now open the case and sees exactly the package.
    assert load_case(session, coach, case.id) is case
    person = case.persons[0]
    shown = reveal(session, coach, case, {person: ["surname"], case: ["arrears_cents"]})
    assert shown.get(person, "surname") == "Testpersoon"
    assert shown.get(case, "arrears_cents") == 12_345

    referral = service.accept(session, coach, referral, version=referral.version)
    assert referral.status == "accepted"
    assert referral.first_contact_due_at == referral.accepted_at + timedelta(days=10)
    referral = service.report(session, coach, referral, "first_contact", version=referral.version)
    assert referral.status == "in_progress"
    referral = service.report(session, coach, referral, "help_started", version=referral.version)
    assert referral.help_started_at is not None
    with pytest.raises(DomainError):
        service.report(
            session, coach, referral, "help_ended", outcome="???", version=referral.version
        )
    referral = service.report(
        session, coach, referral, "help_ended", outcome="arrangement", version=referral.version
    )
    assert referral.status == "completed"
    assert [e.kind for e in referral.events] == [
        "send",
        "accept",
        "first_contact",
        "help_started",
        "help_ended",
    ]
    # Access follows the referral: completed means the coach no longer sees the case.
    with pytest.raises(NotFound):
        load_case(session, coach, case.id)


def test_stale_version_is_a_conflict(session, people, case):
    _user, coach = people["schuldhulp"]
    referral = send(session, people, case)
    seen = referral.version
    service.accept(session, coach, referral, version=seen)
    with pytest.raises(Conflict):
        service.decline(session, coach, referral, "Te laat gezien", version=seen)


def test_only_the_parties_may_act(session, people, case):
    referral = send(session, people, case)
    _u, welfare = people["welzijn"]
    _u, corporation = people["corporatie"]
    with pytest.raises(NotFound):
        service.accept(session, welfare, referral, version=referral.version)
    with pytest.raises(NotFound):
        service.accept(session, corporation, referral, version=referral.version)
    with pytest.raises(NotFound):
        service.withdraw(session, welfare, referral, "niet van mij", version=referral.version)


def test_decline_needs_a_reason_and_offers_the_next_rung(session, people, case, sender_chooses):
    _u, coach = people["schuldhulp"]
    referral = send(session, people, case)
    with pytest.raises(DomainError):
        service.decline(session, coach, referral, " ", version=referral.version)
    referral = service.decline(
        session, coach, referral, "Buiten onze gemeente", version=referral.version
    )
    assert referral.status == "declined"
    step = service.next_step(session, referral)
    assert step.recipient_role == "welfare"


def test_return_escalates_to_welfare_carrying_the_history(session, people, case, sender_chooses):
    """Scenario B: the coach cannot reach the tenant and returns the case; welfare takes over."""
    _u, coach = people["schuldhulp"]
    welfare_user, welfare = people["welzijn"]
    referral = send(session, people, case)
    service.accept(session, coach, referral, version=referral.version)
    referral = service.return_to_sender(
        session,
        coach,
        referral,
        "Drie keer gebeld en langs geweest, geen contact.",
        version=referral.version,
    )
    nxt = service.escalate(
        session,
        people["corporatie"][1],
        referral,
        recipient_org_id=welfare_user.organisation_id,
        note="Schuldhulp kreeg geen contact.",
        version=referral.version,
    )
    assert referral.status == "escalated"
    assert nxt.previous is referral and nxt.rung == 1 and nxt.recipient_role == "welfare"
    assert nxt.status == "sent"
    assert load_case(session, welfare, case.id) is case
    with pytest.raises(NotFound):
        load_case(session, coach, case.id)


def test_withdraw_and_reopen(session, people, case):
    _u, coach = people["schuldhulp"]
    _u, sender = people["corporatie"]
    referral = send(session, people, case)
    with pytest.raises(DomainError):
        service.withdraw(session, sender, referral, "", version=referral.version)
    referral = service.withdraw(
        session, sender, referral, "Per ongeluk verstuurd", version=referral.version
    )
    assert referral.status == "withdrawn"
    with pytest.raises(NotFound):
        load_case(session, coach, case.id)
    referral = service.reopen(session, sender, referral, version=referral.version)
    assert referral.status == "sent" and referral.closed_at is None
    assert [e.kind for e in referral.events][-2:] == ["withdraw", "reopen"]


def test_completed_referral_can_be_reopened_by_the_receiver(session, people, case):
    _u, coach = people["schuldhulp"]
    referral = send(session, people, case)
    for kind in ("first_contact", "help_ended"):
        if referral.status == "sent":
            referral = service.accept(session, coach, referral, version=referral.version)
        referral = service.report(
            session, coach, referral, kind, outcome="no_result", version=referral.version
        )
    assert referral.status == "completed"
    referral = service.reopen(session, coach, referral, version=referral.version)
    assert referral.status == "in_progress" and referral.outcome is None


def test_no_double_referral_to_the_same_partner(session, people, case):
    send(session, people, case)
    with pytest.raises(Conflict):
        send(session, people, case)


def test_sla_expires_unanswered_referrals_and_warns_once_about_first_contact(
    session, people, case, sender_chooses
):
    _u, coach = people["schuldhulp"]
    referral = send(session, people, case)
    later = utcnow() + timedelta(days=4)
    result = service.check_sla(session, now=later)
    assert result.expired == [referral.id] and referral.status == "expired"
    assert service.next_step(session, referral).recipient_role == "welfare"

    other = service.reopen(session, people["corporatie"][1], referral, version=referral.version)
    service.accept(session, coach, other, version=other.version)
    much_later = utcnow() + timedelta(days=12)
    assert service.check_sla(session, now=much_later).first_contact_overdue == [other.id]
    assert service.check_sla(session, now=much_later).first_contact_overdue == []


def test_withheld_categories_say_why(session, people, case):
    _u, coach = people["schuldhulp"]
    send(session, people, case)
    from portal.cases.models import Person

    person = session.scalar(select(Person).where(Person.case_id == case.id))
    shown = reveal(session, coach, case, {person: ["surname"]})
    assert shown.get(person, "surname") == "Testpersoon"
    referral = session.scalar(select(Referral).where(Referral.case_id == case.id))
    assert "household" not in referral.categories
    assert isinstance(Withheld("household", "consent_missing"), Withheld)
