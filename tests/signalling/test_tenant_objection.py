"""The tenant objects online, in plain Dutch, and can withdraw her objection."""

from __future__ import annotations

from sqlalchemy import select

from consent import tenant
from handover.signalling.models import Objection, SignalReadiness
from portal.audit.models import AuditEvent
from portal.db import utcnow


def _as_tenant(client, person_id: int):
    client.get("/")
    now = int(utcnow().timestamp())
    with client.session_transaction() as sess:
        sess[tenant.TENANT_KEY] = {"pids": [person_id], "at": now, "seen": now}
    return client


def test_the_tenant_objects_and_withdraws_online(session, client, steps_case):
    case = steps_case()
    session.commit()
    browser = _as_tenant(client, case.main_tenant.id)
    page = browser.get("/bezwaar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bezwaar: uw gegevens niet naar de gemeente" in html
    assert "U kunt zelf altijd hulp vragen bij de gemeente." in html
    assert "U heeft geen bezwaar gemaakt." in html

    response = browser.post_form("/bezwaar", {"wens": "object"})
    assert response.status_code == 303
    objection = session.scalars(select(Objection).where(Objection.case_id == case.id)).one()
    assert objection.source == "tenant" and objection.active
    assert session.get(SignalReadiness, case.id, populate_existing=True).state == "objected"
    html = browser.get("/bezwaar").get_data(as_text=True)
    assert "Uw bezwaar is vastgelegd." in html and "U heeft bezwaar gemaakt op" in html
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "signalling.objection"
        )
    ).one()
    assert event.actor_kind == "tenant" and event.person_id == case.main_tenant.id

    assert browser.post_form("/bezwaar", {"wens": "withdraw"}).status_code == 303
    session.refresh(objection)
    assert objection.withdrawn_at is not None and objection.withdrawn_source == "tenant"
    assert session.get(SignalReadiness, case.id, populate_existing=True).state == "ready"


def test_a_wish_the_page_does_not_offer_changes_nothing(session, client, steps_case):
    case = steps_case()
    session.commit()
    browser = _as_tenant(client, case.main_tenant.id)
    for wish in ("", "delete", "object\x00", "x" * 5000):
        response = browser.post_form("/bezwaar", {"wens": wish})
        assert response.status_code == 400
        assert "Kies wat u wilt." in response.get_data(as_text=True)
    assert session.scalars(select(Objection).where(Objection.case_id == case.id)).all() == []


def test_without_proof_the_page_asks_to_sign_in(client):
    response = client.get("/bezwaar")
    assert response.status_code == 303
    assert "/toestemming/sessie-verlopen" in response.headers["Location"]


def test_without_a_csrf_token_nothing_is_recorded(session, client, steps_case):
    case = steps_case()
    session.commit()
    browser = _as_tenant(client, case.main_tenant.id)
    response = browser.post("/bezwaar", data={"wens": "object"})
    assert response.status_code == 400
    assert session.scalars(select(Objection).where(Objection.case_id == case.id)).all() == []
