"""The one policy point: who sees which category of a case, on which basis, audited once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import sharing
from portal.actor import Actor, staff_actor
from portal.audit.models import AuditEvent
from portal.cases.policy import load_case
from portal.errors import NotFound
from portal.grants import Grant, set_grants
from portal.sharing import ConsentAnswer, Withheld


@pytest.fixture
def registry(monkeypatch):
    """A clean registry for this test (its consent look-up is a stand-in below)."""
    fresh = sharing._Registry()
    monkeypatch.setattr(sharing, "_registry", fresh)
    return fresh


def events(session) -> int:
    return session.scalar(select(func.count(AuditEvent.id)))


def grant_to(
    session, case, org_id: int, *categories: str, purpose="debt_help", role="debt_coach"
) -> None:
    """Store a grant on the case, as a referral's service would."""
    grant = Grant(org_id, role, purpose, frozenset(categories), "test:1")
    set_grants(session, case.id, "test:1", [grant])


def test_owner_sees_everything_and_one_event_is_written(session, registry, make_case, make_user):
    case = make_case("corporatie", surname="Testpersoon")
    actor = staff_actor(make_user("corporatie"))
    person = case.persons[0]
    before = events(session)
    shown = sharing.reveal(
        session, actor, case, {person: ["surname", "bsn", "phone"], case: ["arrears_cents"]}
    )
    assert shown.get(person, "surname") == "Testpersoon"
    assert shown.get(case, "arrears_cents") == 12_345
    assert events(session) == before + 1
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "case.view" and event.category_list == [
        "arrears",
        "contact",
        "identity",
    ]
    assert event.basis == "owner" and event.case_id == case.id


def test_other_organisation_without_grant_cannot_know_the_case(
    session, registry, make_case, make_user
):
    case = make_case("corporatie")
    outsider = staff_actor(make_user("schuldhulp"))
    with pytest.raises(NotFound):
        load_case(session, outsider, case.id)
    decisions = sharing.decide(session, outsider, case, ["identity"])
    assert decisions["identity"].reason == "not_shared"


def test_grant_with_statutory_basis_allows_only_its_package(
    session, registry, demo_covenant, make_case, make_user
):
    case = make_case("corporatie")
    coach_user = make_user("schuldhulp")
    grant_to(session, case, coach_user.organisation_id, "identity", "contact")
    coach = staff_actor(coach_user)
    assert load_case(session, coach, case.id) is case
    person = case.persons[0]
    shown = sharing.reveal(
        session, coach, case, {person: ["surname", "phone"], case: ["arrears_cents"]}
    )
    assert shown.get(person, "surname") == "Jansen"
    withheld = shown.get(case, "arrears_cents")
    assert isinstance(withheld, Withheld) and withheld.reason == "not_shared"
    assert shown.decisions["identity"].basis.startswith("statutory:")


def test_consent_basis_needs_a_valid_record(session, registry, demo_covenant, make_case, make_user):
    from portal.covenant.rules import active_covenant

    rules = active_covenant(session)
    consent_categories = [
        c
        for c in rules.categories
        if (b := rules.may_share("debt_help", "debt_coach", c)) is not None and b.is_consent
    ]
    assert consent_categories, "the demo covenant shares some category with the coach on consent"
    category = consent_categories[0]
    case = make_case("corporatie")
    coach_user = make_user("schuldhulp")
    grant_to(session, case, coach_user.organisation_id, category)
    coach = staff_actor(coach_user)

    assert sharing.decide(session, coach, case, [category])[category].reason == "consent_missing"
    answers = {"status": "valid"}
    sharing.register_consent_lookup(lambda *_: ConsentAnswer(answers["status"], 7))
    assert sharing.decide(session, coach, case, [category])[category].basis == "consent:7"
    answers["status"] = "withdrawn"
    decision = sharing.decide(session, coach, case, [category])[category]
    assert not decision.allowed and decision.reason == "consent_withdrawn"
    assert "ingetrokken" in str(Withheld(category, decision.reason))


def test_nothing_shown_means_no_audit_event(session, registry, make_case, make_user):
    case = make_case("corporatie")
    outsider = staff_actor(make_user("welzijn"))
    before = events(session)
    shown = sharing.reveal(session, outsider, case, {case.persons[0]: ["surname"]})
    assert isinstance(shown.get(case.persons[0], "surname"), Withheld)
    assert events(session) == before


def test_tenant_sees_own_case_only(session, registry, make_case):
    case = make_case("corporatie")
    other = make_case("corporatie", bsn="123456782")
    me = Actor(kind="tenant", person_id=case.persons[0].id)
    assert sharing.decide(session, me, case, ["identity"])["identity"].basis == "data_subject"
    assert not sharing.decide(session, me, other, ["identity"])["identity"].allowed


def test_third_party_data_is_refused_to_the_tenant(session, registry, demo_covenant, make_case):
    """Who reported nuisance about her is someone else's data (GDPR art. 15(4)): the covenant
    marks the category ``third_party`` and the policy point refuses it to her, while her own
    categories stay hers."""
    case = make_case("corporatie")
    me = Actor(kind="tenant", person_id=case.persons[0].id)
    decided = sharing.decide(session, me, case, ["reporter", "nuisance"])
    assert not decided["reporter"].allowed and decided["reporter"].reason == "third_party"
    assert decided["nuisance"].basis == "data_subject"
    assert "ander" in str(Withheld("reporter", "third_party"))


def test_third_party_data_reaches_no_partner_whatever_the_grant(
    session, registry, demo_covenant, make_case, make_org, make_user
):
    """A grant that names the category (a bug elsewhere) still shows nothing: no purpose of
    the covenant may share it."""
    case = make_case("corporatie")
    police = make_user("politie")
    grant = Grant(police.organisation_id, "police", "nuisance_approach",
                  frozenset({"reporter", "nuisance"}), "test:1")  # fmt: skip
    set_grants(session, case.id, "test:1", [grant])
    decided = sharing.decide(session, staff_actor(police), case, ["reporter", "nuisance"])
    assert not decided["reporter"].allowed and decided["reporter"].reason == "no_basis"
    assert decided["nuisance"].allowed
    owner = staff_actor(make_user("corporatie"))
    assert sharing.decide(session, owner, case, ["reporter"])["reporter"].basis == "owner"
