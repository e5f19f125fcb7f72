"""A housing-fraud investigation: only the case's owner opens and works it, every text is
encrypted in the covenant's owner-only category, entries are added in order and never
edited, the evidence is checked on its content, the outcome is recorded once and closes it,
and a partner that sees the case learns nothing of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover import service as referrals
from handover.fraud import service
from handover.fraud.models import FRAUD, SUBTENANT, FraudInvestigation
from portal.actor import Actor, staff_actor
from portal.attachments import service as attachments
from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, Forbidden
from portal.sharing import decide, reveal
from portal.workdays import local_today

from .conftest import GROUNDS, pdf_bytes, png_bytes


def test_the_owner_opens_one_investigation_at_a_time(session, owner_actor, case, investigation):
    assert investigation.status == "open" and investigation.suspicion == "sublet"
    assert investigation.category_of("grounds") == FRAUD
    with pytest.raises(Conflict):
        service.open_investigation(
            session, owner_actor, case, suspicion="other", opened_on=local_today(), grounds="x"
        )
    events = session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
    assert "fraud.open" in list(events)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"suspicion": "rumour"}, "suspicion"),
        ({"opened_on": None}, "opened_on"),
        ({"grounds": "   "}, "grounds"),
        ({"grounds": "Tekst met \x07 stuurteken"}, "grounds"),
    ],
)
def test_bad_input_names_its_field(session, owner_actor, case, changes, field):
    values = {"suspicion": "sublet", "opened_on": local_today(), "grounds": GROUNDS, **changes}
    with pytest.raises(DomainError) as refused:
        service.open_investigation(session, owner_actor, case, **values)
    assert refused.value.params.get("field") == field


def test_a_date_in_the_future_is_refused(session, owner_actor, case):
    with pytest.raises(DomainError):
        service.open_investigation(
            session, owner_actor, case, suspicion="sublet",
            opened_on=local_today() + timedelta(days=1), grounds=GROUNDS,
        )  # fmt: skip


def test_a_partner_may_not_open_or_work_one(session, partner, case, investigation):
    actor = staff_actor(partner)
    with pytest.raises(Forbidden):
        service.open_investigation(
            session, actor, case, suspicion="sublet", opened_on=local_today(), grounds=GROUNDS
        )
    with pytest.raises(Forbidden):
        service.add_entry(
            session, actor, investigation, kind="finding", happened_on=local_today(), text="x"
        )


def test_entries_come_in_order_of_date_and_a_house_visit_names_its_visitors(
    session, owner_actor, investigation
):
    today = local_today()
    with pytest.raises(DomainError) as refused:
        service.add_entry(
            session, owner_actor, investigation, kind="house_visit", happened_on=today,
            text="Niemand thuis.",
        )  # fmt: skip
    assert refused.value.params["field"] == "visitors"
    later = service.add_entry(
        session, owner_actor, investigation, kind="tenant_response", happened_on=today,
        text="De huurder zegt dat het zijn neef is.",
    )  # fmt: skip
    earlier = service.add_entry(
        session, owner_actor, investigation, kind="house_visit",
        happened_on=today - timedelta(days=5), visitors="S. de Vries", text="Ander gezin.",
    )  # fmt: skip
    session.refresh(investigation)
    assert [e.id for e in investigation.entries] == [earlier.id, later.id]
    shown = reveal(session, owner_actor, investigation.case, {later: ["text", "visitors"]})
    assert shown.get(later, "text") == "De huurder zegt dat het zijn neef is."
    assert shown.get(later, "visitors") is None  # only a house visit names visitors


def test_evidence_is_checked_on_its_content(session, owner_actor, investigation):
    with pytest.raises(DomainError) as refused:
        service.add_evidence(
            session, owner_actor, investigation, data=b"MZ\x90\x00 not a pdf at all",
            filename="bewijs.pdf", description=None,
        )  # fmt: skip
    assert "geen PDF" in str(refused.value.message)
    kept = service.add_evidence(
        session, owner_actor, investigation, data=pdf_bytes(), filename="brief.pdf",
        description="Brief van de energieleverancier.",
    )  # fmt: skip
    photo = service.add_evidence(
        session, owner_actor, investigation, data=png_bytes(), filename="foto.png",
        description=None,
    )  # fmt: skip
    assert (kept.category, kept.subject) == (FRAUD, f"fraud:{investigation.id}")
    stored = attachments.of_subject(session, investigation.case_id, investigation.subject)
    assert [a.id for a in stored] == [kept.id, photo.id]


def test_the_outcome_is_recorded_once_and_closes_the_investigation(
    session, owner_actor, investigation
):
    with pytest.raises(DomainError):
        service.record_outcome(
            session, owner_actor, investigation, outcome="court_procedure",
            decided_on=local_today(), motivation="Kort",
        )  # fmt: skip
    service.record_outcome(
        session, owner_actor, investigation, outcome="court_procedure",
        decided_on=local_today(), motivation="Onderhuur aangetoond bij het huisbezoek.",
    )  # fmt: skip
    assert investigation.status == "closed" and investigation.outcome == "court_procedure"
    with pytest.raises(Conflict):
        service.record_outcome(
            session, owner_actor, investigation, outcome="unfounded",
            decided_on=local_today(), motivation="Toch niet aangetoond, zegt iemand.",
        )  # fmt: skip
    with pytest.raises(Conflict):
        service.add_entry(
            session, owner_actor, investigation, kind="finding", happened_on=local_today(),
            text="Te laat.",
        )  # fmt: skip
    with pytest.raises(Conflict):
        service.add_evidence(
            session, owner_actor, investigation, data=pdf_bytes(), filename="x.pdf",
            description=None,
        )  # fmt: skip
    assert investigation.outcome == "court_procedure"


def test_a_partner_with_a_referral_sees_nothing_of_it(session, owner_actor, partner, case, visited):
    """Even a debt coach the case was referred to: the category is the owner's alone."""
    referrals.send(
        session, owner_actor, case, purpose="debt_help",
        recipient_org_id=partner.organisation_id, note=None,
    )  # fmt: skip
    actor = staff_actor(partner)
    decided = decide(session, actor, case, ["identity", FRAUD, SUBTENANT])
    assert decided["identity"].allowed
    assert not decided[FRAUD].allowed and not decided[SUBTENANT].allowed
    entry = visited.entries[0]
    shown = reveal(session, actor, case, {entry: ["text"]})
    assert not shown.get(entry, "text")  # withheld


def test_the_subtenant_is_a_third_party_the_tenant_does_not_see(
    session, owner_actor, case, investigation
):
    service.record_subtenant(
        session, owner_actor, investigation, surname="Pietersen", initials="R.",
        phone="06 45678901", email="R.Pietersen@Example.org", note="Woont er met haar zoon.",
    )  # fmt: skip
    assert investigation.subtenant_present
    shown = reveal(
        session, owner_actor, case, {investigation: ["subtenant_surname", "subtenant_email"]}
    )
    assert shown.get(investigation, "subtenant_email") == "r.pietersen@example.org"
    tenant = Actor(kind="tenant", person_id=case.persons[0].id)
    decided = decide(session, tenant, case, [SUBTENANT, FRAUD])
    assert not decided[SUBTENANT].allowed and decided[SUBTENANT].reason == "third_party"
    with pytest.raises(DomainError) as refused:
        service.record_subtenant(
            session, owner_actor, investigation, surname="P", initials=None,
            phone="geen nummer", email=None, note=None,
        )  # fmt: skip
    assert refused.value.params["field"] == "phone"


def test_nothing_is_stored_in_plain_text(session, owner_actor, visited):
    from sqlalchemy import text

    raw = session.execute(
        text("SELECT grounds FROM fraud_investigation WHERE id = :id"), {"id": visited.id}
    ).scalar_one()
    assert GROUNDS.encode() not in bytes(raw)
    rows = session.execute(text("SELECT text FROM fraud_entry")).scalars().all()
    assert all(b"ander gezin" not in bytes(r) for r in rows)
    assert session.scalars(select(FraudInvestigation)).one().id == visited.id
