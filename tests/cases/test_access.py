"""Deny by default on every case URL: another organisation's case, its items and its import
jobs answer 404 (exactly like a missing one); a referral opens the case with only the
categories the covenant allows; roles without case work are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.actor import Actor, staff_actor
from portal.audit.models import AuditEvent
from portal.cases import groundwork, tenant_input
from portal.cases.models import Agreement, ContactAttempt, ImportJob, TenantMandate
from portal.cases.service import PersonData, add_person
from portal.workdays import local_today
from tests.conftest import SYSTEM


def case_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("cases.") and "case_id" in rule.arguments
    ]


def with_groundwork(session, case, actor=SYSTEM):
    """A case with a member, an attempt, an agreement, finances and a life map."""
    add_person(session, actor, case, PersonData(surname="Kind", relation="child", minor=True))
    day = local_today() - timedelta(days=1)
    attempt = groundwork.add_contact_attempt(
        session, actor, case, groundwork.ContactAttemptData(day, "phone", "not_reached")
    )
    agreement = groundwork.add_agreement(
        session, actor, case, groundwork.AgreementData(5_000, day, "active")
    )
    groundwork.save_finances(session, actor, case, groundwork.FinancesData(debt_support="none"))
    groundwork.save_life_map(
        session, actor, case, {"finances": groundwork.LifeDomainData("worried", "x")}
    )
    # What the tenant brought herself: a question, a new number, a representative.
    tenant = Actor(kind="tenant", person_id=case.persons[0].id)
    say = tenant_input.add_say(session, tenant, case, kind="question", text="Wanneer?")
    correction = tenant_input.propose_correction(
        session, tenant, case, field="phone", value="06 12345679"
    )
    mandate = TenantMandate(
        case=case, person_id=case.persons[0].id, organisation_id=case.organisation_id,
        kind="bewindvoerder", name="Bewind B.V.", phone="+31611111111",
    )  # fmt: skip
    session.add(mandate)
    session.flush()
    return {
        "person": case.persons[1],
        "attempt": attempt,
        "agreement": agreement,
        "say": say,
        "correction": correction,
        "mandate": mandate,
    }


#: The item a URL names, by a word in its path.
ITEM_BY_PATH = {
    "afspraken": "agreement",
    "huurder/wijziging": "correction",
    "huurder": "say",
    "vertegenwoordiger": "mandate",
}


def url_for_rule(rule, case_id: int, items: dict) -> str:
    values = {"case_id": case_id}
    if "person_id" in rule.arguments:
        values["person_id"] = items["person"].id
    if "item_id" in rule.arguments:
        model = next((m for word, m in ITEM_BY_PATH.items() if word in rule.rule), "attempt")
        values["item_id"] = items[model].id
    if "section" in rule.arguments:
        values["section"] = "household"
    return rule.build(values, append_unknown=False)[1]


def test_every_case_url_answers_404_for_another_organisations_case(
    app, session, signed_in, make_case
):
    theirs = make_case("woonbron", bsn="123456782")
    items = with_groundwork(session, theirs)
    rules = case_rules(app)
    assert len(rules) >= 12, "the walk covers the case pages"
    before = (
        session.scalar(select(func.count(ContactAttempt.id))),
        session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.case_id == theirs.id)),
    )
    token = signed_in.csrf_token("/casussen")
    checked = 0
    for rule in rules:
        url = url_for_rule(rule, theirs.id, items)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for headers in ({}, {"HX-Request": "true"}):
                if method == "POST":
                    response = signed_in.post(
                        url,
                        data={
                            "csrf_token": token,
                            "channel": "phone",
                            "outcome": "reached",
                            "attempted_on": "2026-11-01",
                            "surname": "X",
                        },
                        headers=headers,
                    )
                else:
                    response = signed_in.get(url, headers=headers)
                assert response.status_code == 404, (method, rule.rule, response.status_code)
                assert "Jansen" not in response.get_data(as_text=True)
                checked += 1
    assert checked >= 40
    after = (
        session.scalar(select(func.count(ContactAttempt.id))),
        session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.case_id == theirs.id)),
    )
    assert after == before, "nothing was shown, written or audited for their case"


def test_items_of_another_case_answer_404_under_my_case(app, session, signed_in, make_case):
    mine = make_case("corporatie")
    theirs = make_case("woonbron", bsn="123456782")
    items = with_groundwork(session, theirs)
    for rule in case_rules(app):
        if not {"person_id", "item_id"} & set(rule.arguments):
            continue
        url = url_for_rule(rule, mine.id, items)
        assert signed_in.get(url).status_code in (404, 405), rule.rule
        response = signed_in.post_form(url, {"surname": "X"})
        assert response.status_code == 404, rule.rule


def test_another_organisations_import_job_answers_404(session, signed_in, make_org):
    other = make_org("woonbron")
    job = ImportJob(organisation_id=other.id, status="done")
    session.add(job)
    session.flush()
    assert signed_in.get(f"/casussen/import/{job.id}").status_code == 404
    progress = signed_in.get(f"/casussen/import/{job.id}/voortgang", headers={"HX-Request": "true"})
    assert progress.status_code == 404


def test_their_case_is_not_in_my_inbox_or_search(session, signed_in, make_case):
    theirs = make_case("woonbron", bsn="123456782", surname="Geheimnaam")
    inbox = signed_in.get("/casussen").get_data(as_text=True)
    assert theirs.reference not in inbox and "Geheimnaam" not in inbox
    found = signed_in.post_form("/casussen/zoeken", {"term": "123456782"}).get_data(as_text=True)
    assert theirs.reference not in found and "Geen casus gevonden" in found
    found = signed_in.post_form("/casussen/zoeken", {"term": theirs.reference})
    assert theirs.reference not in found.get_data(as_text=True).split("Zoekresultaat")[1]


@pytest.mark.parametrize("roles", [("org_admin",), ("auditor",), ("covenant_admin",)])
def test_roles_without_case_work_are_refused(client, login, make_user, make_case, roles):
    case = make_case("corporatie")
    login(client, make_user("corporatie", roles))
    assert client.get("/casussen").status_code == 403
    assert client.get(f"/casussen/{case.id}").status_code == 403
    assert client.get("/casussen/import").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, make_case):
    case = make_case("corporatie")
    response = client.get(f"/casussen/{case.id}")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_a_referral_opens_the_case_with_only_the_allowed_categories(
    session, client, login, make_user, make_case, demo_covenant, refer
):
    case = make_case("corporatie", surname="Doorverwezen")
    with_groundwork(session, case)
    coach = make_user("schuldhulp")
    login(client, coach)
    assert client.get(f"/casussen/{case.id}").status_code == 404, "not referred yet"

    # Referred for debt help: identity, contact and finances by law, the rest on consent.
    refer(case, coach.organisation_id, "identity", "contact", "finances", "contact_history")
    inbox = client.get("/casussen").get_data(as_text=True)
    assert case.reference in inbox and "doorverwezen" in inbox
    page = client.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "Doorverwezen" in page  # identity: statutory basis
    assert "afgeschermd — geen toestemming van de huurder" in page  # contact history: no consent
    assert "afgeschermd — niet gedeeld met uw organisatie" in page  # life map: not in package
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "case.view", AuditEvent.case_id == case.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.organisation_id == coach.organisation_id
    assert "life_map" not in event.category_list and "identity" in event.category_list

    # The case file is the owner's: the coach may not change it, nor record what it may
    # not see.
    assert client.get(f"/casussen/{case.id}/gegevens").status_code == 403
    assert (
        client.post_form(f"/casussen/{case.id}/huishouden/nieuw", {"surname": "X"}).status_code
        == 403
    )
    assert client.get(f"/casussen/{case.id}/contactpogingen/nieuw").status_code == 403
    assert client.get(f"/casussen/{case.id}/levenskaart").status_code == 403
    # Finances are in its package (by law): the coach may add a payment arrangement.
    assert client.get(f"/casussen/{case.id}/afspraken/nieuw").status_code == 200
    # ... but not change the corporation's.
    agreement = session.scalars(select(Agreement).where(Agreement.case_id == case.id)).first()
    assert client.get(f"/casussen/{case.id}/afspraken/{agreement.id}").status_code == 403


def test_a_partner_with_contact_history_records_attempts_on_the_shared_case(
    session, client, login, make_user, make_case, demo_covenant, refer, monkeypatch
):
    from portal import sharing

    case = make_case("corporatie")
    coach = make_user("schuldhulp")
    refer(case, coach.organisation_id, "identity", "contact_history")
    # Consent taken as given for this test only: the registry is the app's, shared by every
    # later test in this process.
    monkeypatch.setattr(
        sharing._registry, "consent_lookup", lambda *_: sharing.ConsentAnswer("valid", 1)
    )
    login(client, coach)
    response = client.post_form(
        f"/casussen/{case.id}/contactpogingen/nieuw",
        {"attempted_on": str(local_today()), "channel": "phone", "outcome": "not_reached"},
    )
    assert response.status_code == 303
    attempt = session.scalars(select(ContactAttempt).where(ContactAttempt.case_id == case.id)).one()
    assert attempt.organisation_id == coach.organisation_id
    assert groundwork.may_change(staff_actor(coach), attempt)
    # The corporation sees the coach's attempt on its own case page.


def test_groundwork_comes_as_a_package_per_category(session, make_case):
    case = make_case("corporatie")
    items = with_groundwork(session, case)
    package = groundwork.groundwork_items(session, case)
    assert set(package) == {"contact_history", "finances", "life_map"}
    assert package["contact_history"] == [items["attempt"]]
    assert {i.__item_type__ for i in package["finances"]} == {"agreement", "finances"}
    only = groundwork.groundwork_items(session, case, {"contact_history"})
    assert list(only) == ["contact_history"]
    for item in package["finances"]:
        assert item.organisation_id == case.organisation_id and item.row_uid is not None
