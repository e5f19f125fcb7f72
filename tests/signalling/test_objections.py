"""The objections register: recorded by the caseworker or by the tenant, withdrawn the same
way, every recording audited; an active objection holds a case back, a withdrawn one not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handover.signalling import service
from handover.signalling.models import Objection, SignalReadiness
from portal.actor import Actor, staff_actor
from portal.audit.models import AuditEvent
from portal.errors import Conflict, NotFound
from tests.signalling.conftest import HX


def _readiness(session, case) -> SignalReadiness:
    session.flush()
    return session.get(SignalReadiness, case.id, populate_existing=True)


def test_an_objection_holds_the_case_back_and_a_withdrawn_one_does_not(session, worker, steps_case):
    _user, actor = worker
    case = steps_case()
    assert service.legal_steps(session, actor, case).state == "ready"
    assert _readiness(session, case).state == "ready"

    objection = service.record_objection(session, actor, case, note="Wil het zelf regelen.")
    steps = service.legal_steps(session, actor, case)
    assert steps.objected and not steps.ready and steps.missing == ()
    assert _readiness(session, case).state == "objected"

    service.withdraw_objection(session, actor, objection)
    assert service.legal_steps(session, actor, case).ready
    assert _readiness(session, case).state == "ready"
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.case_id == case.id, AuditEvent.action.like("signalling.objection%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["signalling.objection", "signalling.objection_withdrawn"]


def test_one_active_objection_per_case(session, worker, steps_case):
    _user, actor = worker
    case = steps_case()
    service.record_objection(session, actor, case)
    with pytest.raises(Conflict):
        service.record_objection(session, actor, case)
    assert len(session.scalars(select(Objection).where(Objection.case_id == case.id)).all()) == 1


def test_the_tenant_may_object_herself_and_nobody_else_may(session, steps_case, make_user):
    case = steps_case()
    tenant = case.main_tenant
    objection = service.record_objection(session, Actor(kind="tenant", person_id=tenant.id), case)
    assert objection.source == "tenant"
    service.withdraw_objection(session, Actor(kind="tenant", person_id=tenant.id), objection)
    with pytest.raises(NotFound):
        service.record_objection(session, Actor(kind="tenant", person_id=tenant.id + 999), case)
    with pytest.raises(NotFound):
        service.record_objection(session, staff_actor(make_user("schuldhulp")), case)


def test_the_caseworker_records_and_withdraws_on_the_case_page(session, signed_in, steps_case):
    case = steps_case()
    response = signed_in.post_form(
        f"/casussen/{case.id}/vroegsignalering/bezwaar", {"note": "Belde zelf."}, headers=HX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Het bezwaar is vastgelegd." in html and "Belde zelf." in html
    assert "De huurder heeft bezwaar gemaakt" in html
    objection = session.scalars(select(Objection).where(Objection.case_id == case.id)).one()
    response = signed_in.post_form(
        f"/casussen/{case.id}/vroegsignalering/bezwaar/{objection.id}/intrekken"
    )
    assert response.status_code == 303
    session.refresh(objection)
    assert objection.withdrawn_at is not None and objection.withdrawn_source == "caseworker"
    # withdrawing twice changes nothing and says so
    response = signed_in.post_form(
        f"/casussen/{case.id}/vroegsignalering/bezwaar/{objection.id}/intrekken"
    )
    assert response.status_code == 400
    assert "al ingetrokken" in response.get_data(as_text=True)


def test_bad_input_on_the_objection_form(session, signed_in, steps_case):
    case = steps_case()
    response = signed_in.post_form(
        f"/casussen/{case.id}/vroegsignalering/bezwaar", {"note": "x" * 501}
    )
    assert response.status_code == 400
    assert session.scalars(select(Objection).where(Objection.case_id == case.id)).all() == []
    for url in (
        f"/casussen/{case.id}/vroegsignalering/bezwaar/{2**31}/intrekken",
        f"/casussen/{case.id}/vroegsignalering/bezwaar/99999999/intrekken",
    ):
        assert signed_in.post_form(url).status_code == 404


def test_the_checklist_on_the_case_page_says_which_step_is_missing(session, signed_in, steps_case):
    case = steps_case(offer=False)
    html = signed_in.get(f"/casussen/{case.id}/vroegsignalering").get_data(as_text=True)
    assert "Ontbreekt:" in html
    assert "Nog geen herinnering die aanbiedt de gegevens door te geven" in html
    assert "Gedaan:" in html and "Persoonlijk contact gezocht" in html
