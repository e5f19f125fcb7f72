"""The referrals API as a partner's system uses it: its own organisation's referrals only,
the package as the policy allows it (withheld fields named, with why), and the same
transitions as the referral page, with a stale version refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from tests.api.conftest import bearer
from tests.handover.conftest import refer


@pytest.fixture
def referral(session, people, make_case):
    case = make_case("corporatie", surname="Apitest", bsn="111222333")
    sent = refer(session, people, case)
    session.commit()
    return sent


def test_the_recipients_system_lists_and_reads_its_referrals(
    session, api, register, token, referral
):
    value = token(register("schuldhulp", "referrals:read"))
    page = api.get("/api/v1/referrals", headers=bearer(value)).get_json()
    assert [item["id"] for item in page["items"]] == [referral.id]
    # A cursor beyond the id range (found by schemathesis on PostgreSQL) is the first page.
    beyond = api.get("/api/v1/referrals?cursor=9890676276", headers=bearer(value))
    assert beyond.status_code == 200 and beyond.get_json() == page
    assert page["next_cursor"] is None
    item = page["items"][0]
    assert item["status"] == "sent" and item["version"] == referral.version
    assert item["case_reference"] == referral.case.reference
    detail = api.get(f"/api/v1/referrals/{referral.id}", headers=bearer(value)).get_json()
    (tenant,) = detail["persons"]
    assert tenant["surname"] == "Apitest" and tenant["main_tenant"] is True
    # The package holds what the covenant shares; the rest is withheld and says why.
    assert set(detail["categories"]) >= {"identity", "contact"}
    for withheld in tenant["withheld"] + detail["withheld"]:
        assert withheld["reason"] and withheld["reason_text"]
    # The read is in the audit log under the client's name.
    session.commit()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "api.referral")).one()
    assert event.actor_label.startswith("api:") and event.case_id == referral.case_id


def test_another_organisations_system_sees_nothing(api, register, token, referral):
    for org in ("welzijn", "corporatie"):
        value = token(register(org, "referrals:read"))
        assert api.get("/api/v1/referrals", headers=bearer(value)).get_json()["items"] == []
        response = api.get(f"/api/v1/referrals/{referral.id}", headers=bearer(value))
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert "Apitest" not in response.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["?status=x", "?cursor=abc", "?limit=0", "?limit=1000",
                                 f"?cursor={2**70}", "?unknown=1"])  # fmt: skip
def test_bad_list_parameters_are_refused_in_words(api, register, token, bad):
    value = token(register("schuldhulp", "referrals:read"))
    response = api.get(f"/api/v1/referrals{bad}", headers=bearer(value))
    assert response.status_code == 422, bad
    assert response.get_json()["errors"]


def test_accept_with_the_version_read_and_refuse_a_stale_one(
    session, api, register, token, referral
):
    value = token(register("schuldhulp"))
    url = f"/api/v1/referrals/{referral.id}"
    stale = {"version": referral.version + 5}
    response = api.post(f"{url}/accept", json=stale, headers=bearer(value))
    assert response.status_code == 409
    response = api.post(f"{url}/accept", json={"version": referral.version}, headers=bearer(value))
    assert response.status_code == 200, response.get_data(as_text=True)
    accepted = response.get_json()
    assert accepted["status"] == "accepted"
    response = api.post(
        f"{url}/report",
        json={"version": accepted["version"], "report": "first_contact"},
        headers=bearer(value),
    )
    assert response.status_code == 200 and response.get_json()["status"] == "in_progress"
    session.expire_all()
    assert referral.status == "in_progress"


def test_decline_needs_a_reason_and_a_write_scope(
    session, api, register, token, referral, sender_chooses
):
    reader = token(register("schuldhulp", "referrals:read"))
    url = f"/api/v1/referrals/{referral.id}/decline"
    body = {"version": referral.version, "reason": "Geen capaciteit deze maand."}
    assert api.post(url, json=body, headers=bearer(reader)).status_code == 403
    writer = token(register("schuldhulp", "referrals:write"))
    for bad in ({**body, "reason": ""}, {**body, "reason": "a\x00b"}, {"version": 1}, {},
                {**body, "version": 2**40}, {**body, "extra": 1}):  # fmt: skip
        response = api.post(url, json=bad, headers=bearer(writer))
        assert response.status_code == 422, bad
        assert all(e["pointer"].startswith("/") for e in response.get_json()["errors"])
    response = api.post(url, data="not json", headers=bearer(writer))
    assert response.status_code == 422
    session.expire_all()
    assert referral.status == "sent"
    assert api.post(url, json=body, headers=bearer(writer)).status_code == 200
    session.expire_all()
    assert referral.status == "declined"


def test_an_idempotency_key_acts_once(session, api, register, token, referral):
    value = token(register("schuldhulp"))
    url = f"/api/v1/referrals/{referral.id}/accept"
    headers = {**bearer(value), "Idempotency-Key": "f3b1c7e2-accept"}
    version = referral.version  # as the system read it (the object reloads after the call)
    first = api.post(url, json={"version": version}, headers=headers)
    again = api.post(url, json={"version": version}, headers=headers)
    assert first.status_code == again.status_code == 200, again.get_data(as_text=True)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = api.post(url, json={"version": version + 1}, headers=headers)
    assert other.status_code == 422
    bad = api.post(url, json={"version": 1}, headers={**bearer(value), "Idempotency-Key": "é"})
    assert bad.status_code == 400


def test_the_consent_status_of_a_referrals_package(
    session, api, register, token, people, case, give_consent
):
    give_consent({"schuldhulp": ["household"]})
    referral = refer(session, people, case)
    session.commit()
    url = f"/api/v1/referrals/{referral.id}/consent"
    value = token(register("schuldhulp", "consent:read"))
    response = api.get(url, headers=bearer(value))
    assert response.status_code == 200, response.get_data(as_text=True)
    statuses = {c["category"]: c["status"] for c in response.get_json()["categories"]}
    assert statuses["household"] == "valid" and statuses["finances"] == "statutory"
    assert statuses["life_map"] == "missing"
    assert "Testpersoon" not in response.get_data(as_text=True)
    reader = token(register("schuldhulp", "referrals:read"))
    assert api.get(url, headers=bearer(reader)).status_code == 403
    stranger = token(register("welzijn", "consent:read"))
    assert api.get(url, headers=bearer(stranger)).status_code == 404
