"""The consent look-up the policy point asks: valid, withdrawn, expired, wrong purpose, wrong
recipient, wrong category, a role as recipient, and consent given by a representative."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from consent import service
from consent.models import ConsentRecord
from consent.policy import consent_lookup
from portal.db import utcnow
from portal.grants import Grant
from tests.consent.conftest import PURPOSE

PDF = b"%PDF-1.4 signed consent form (test)"


def paper(session, world, items, *, now=None, valid_days=365, representative=None, purpose=PURPOSE):
    """Consent on a signed paper form: recorded at once (the quickest real path)."""
    answer = service.record_offline(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=purpose,
        items=items,
        method="paper",
        language="nl",
        valid_days=valid_days,
        representative=representative,
        evidence=service.Evidence(PDF, "application/pdf"),
        now=now,
    )
    session.flush()
    return answer.records


def grant(world, org="schuldhulp", role="debt_coach", purpose=PURPOSE, categories=()):
    return Grant(world.orgs[org].id, role, purpose, frozenset(categories), "test")


def coach_record(session, world, categories=("household", "contact_history"), **kwargs):
    items = [
        {
            "role": "debt_coach",
            "organisation_id": world.orgs["schuldhulp"].id,
            "categories": list(categories),
        }
    ]
    return paper(session, world, items, **kwargs)[0]


def test_valid(session, world):
    record = coach_record(session, world)
    answer = consent_lookup(session, world.case, grant(world), "household")
    assert (answer.status, answer.record_id) == ("valid", record.id)


def test_withdrawn_takes_effect_on_the_next_question(session, world):
    record = coach_record(session, world)
    service.withdraw(session, world.actor(world.owner), record, ["household"], method="verbal")
    assert consent_lookup(session, world.case, grant(world), "household").status == "withdrawn"
    # Partial: the other category still counts.
    still = consent_lookup(session, world.case, grant(world), "contact_history")
    assert (still.status, still.record_id) == ("valid", record.id)


def test_asked_once_per_unit_of_work_and_again_after_a_withdrawal(session, world):
    """The records of a grant are read once for every category asked in one request; the
    withdrawal (a write) makes the very next question read them again."""
    from sqlalchemy import event

    record = coach_record(session, world)
    reads: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM consent_record" in statement:
            reads.append(statement)

    event.listen(session.connection(), "before_cursor_execute", count)
    try:
        for category in ("household", "contact_history", "household"):
            assert consent_lookup(session, world.case, grant(world), category).status == "valid"
        assert len(reads) == 1
        service.withdraw(session, world.actor(world.owner), record, ["household"], method="paper")
        assert consent_lookup(session, world.case, grant(world), "household").status == "withdrawn"
    finally:
        event.remove(session.connection(), "before_cursor_execute", count)


def test_every_recipient_of_a_purpose_is_answered_from_one_read(session, world, statements):
    """A referral's next rung asks for each partner on it: one read of the case's records."""
    coach = coach_record(session, world)
    items = [{"role": "welfare", "organisation_id": None, "categories": ["household"]}]
    (welfare,) = paper(session, world, items)
    asked = [
        (grant(world), "household"),
        (grant(world, org="welzijn", role="welfare"), "household"),
        (grant(world, org="zorg", role="care"), "household"),
        (grant(world), "life_map"),
    ]
    with statements() as seen:
        answers = [consent_lookup(session, world.case, g, c) for g, c in asked]
    assert [(a.status, a.record_id) for a in answers] == [
        ("valid", coach.id),
        ("valid", welfare.id),
        ("missing", None),
        ("missing", None),
    ]
    assert len([s for s in seen if "FROM consent_record" in s]) == 1


def test_expired(session, world):
    coach_record(session, world, now=utcnow() - timedelta(days=100), valid_days=90)
    assert consent_lookup(session, world.case, grant(world), "household").status == "expired"


def test_wrong_purpose(session, world):
    coach_record(session, world)
    answer = consent_lookup(session, world.case, grant(world, purpose="care_support"), "household")
    assert answer.status == "missing"


def test_wrong_recipient(session, world):
    coach_record(session, world)
    other = grant(world, org="welzijn", role="welfare")
    assert consent_lookup(session, world.case, other, "household").status == "missing"
    # The same organisation in another role is still that organisation: it was named.
    same_org = grant(world, role="welfare")
    assert consent_lookup(session, world.case, same_org, "household").status == "valid"


def test_wrong_category(session, world):
    coach_record(session, world)
    assert consent_lookup(session, world.case, grant(world), "life_map").status == "missing"


def test_other_case(session, world, make_case):
    coach_record(session, world)
    other = make_case("corporatie", bsn="123456782")
    assert consent_lookup(session, other, grant(world), "household").status == "missing"


def test_role_as_recipient_covers_every_organisation_in_that_role(session, world):
    items = [{"role": "debt_coach", "organisation_id": None, "categories": ["household"]}]
    (record,) = paper(session, world, items)
    assert record.recipient_organisation_id is None
    answer = consent_lookup(session, world.case, grant(world), "household")
    assert (answer.status, answer.record_id) == ("valid", record.id)
    assert (
        consent_lookup(
            session, world.case, grant(world, org="welzijn", role="welfare"), "household"
        ).status
        == "missing"
    )


def test_representative_consent(session, world):
    rep = service.Representative(name="Mr. B. Bewind", mandate="bewindvoerder")
    record = coach_record(session, world, representative=rep)
    assert record.given_by == "representative"
    answer = consent_lookup(session, world.case, grant(world), "household")
    assert (answer.status, answer.record_id) == ("valid", record.id)
    raw = session.execute(
        text(
            "SELECT representative_name, representative_mandate FROM consent_record WHERE id = :i"
        ),
        {"i": record.id},
    ).one()
    assert b"Bewind" not in bytes(raw[0]) and b"bewindvoerder" not in bytes(raw[1])


def test_newest_valid_record_wins_over_a_withdrawn_one(session, world):
    old = coach_record(session, world)
    service.withdraw(session, world.actor(world.owner), old, None, method="paper")
    new = coach_record(session, world)
    answer = consent_lookup(session, world.case, grant(world), "household")
    assert (answer.status, answer.record_id) == ("valid", new.id)


def test_legal_basis_is_recorded(session, world):
    record = coach_record(session, world, categories=["household"])
    assert record.legal_basis == "gdpr-6-1-a"
    assert record.covenant_version_id is not None and record.text_sha256
    stored = session.scalar(select(ConsentRecord).where(ConsentRecord.id == record.id))
    assert stored.text.body.startswith("Toestemming voor het delen van gegevens")
    # A special category (health) needs explicit consent: GDPR art. 9(2)(a) as well.
    items = [{"role": "care", "organisation_id": world.orgs["zorg"].id, "categories": ["health"]}]
    (special,) = paper(session, world, items, purpose="care_support")
    assert special.legal_basis == "gdpr-6-1-a+9-2-a"
