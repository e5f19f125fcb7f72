"""The kernel case service: creating a case with its household, rules, visibility."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.actor import Actor, staff_actor
from portal.audit.models import AuditEvent
from portal.cases.models import Case, ImportJob
from portal.cases.policy import load_case, load_case_by_reference, load_import_job
from portal.cases.service import (
    PersonData,
    create_case,
    is_minor,
    shred_case,
    update_person,
)
from portal.crypto.fields import ERASED, decrypt_field
from portal.errors import DomainError, Forbidden, NotFound
from tests.conftest import SYSTEM, main_tenant


def test_a_case_gets_a_reference_a_data_key_and_an_audit_event(session, make_case):
    first, second = make_case(), make_case(bsn="123456782")
    assert re.fullmatch(r"KP-\d{4}-\d{6}", first.reference)
    year = first.created_at.year
    assert first.reference.startswith(f"KP-{year}-")
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    assert first.data_key_id != second.data_key_id
    assert first.status == "open" and first.signal_kinds == ["arrears"]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.create", AuditEvent.case_id == first.id)
    ).one()
    assert event.category_list == ["arrears", "contact", "household", "identity"]
    assert event.detail_dict == {"persons": 1, "signals": ["arrears"]}


def test_household_members_share_the_case_key(session, make_case):
    child = PersonData(surname="Jansen", initials="B.", birth_date=date(2015, 1, 2), minor=True)
    case = make_case(members=(child,))
    tenant, kid = case.persons
    assert tenant.is_main_tenant and not kid.is_main_tenant and is_minor(kid)
    assert tenant.encryption_key_id() == kid.encryption_key_id() == case.data_key_id
    assert decrypt_field(kid, "birth_date") == date(2015, 1, 2)
    assert decrypt_field(kid, "bsn") is None


def test_staff_create_cases_for_their_own_organisation_only(session, make_case, make_user):
    caseworker = make_user("corporatie")
    case = make_case("corporatie", actor=staff_actor(caseworker))
    assert case.organisation.slug == "corporatie"
    with pytest.raises(Forbidden):
        make_case("schuldhulp", actor=staff_actor(caseworker))


@pytest.mark.parametrize(
    ("tenant", "kwargs", "field"),
    [
        ({"bsn": "123456789"}, {}, "bsn"),
        ({"postcode": "12345"}, {}, "postcode"),
        ({"house_number": "twaalf"}, {}, "house_number"),
        ({"email": "geen-adres"}, {}, "email"),
        ({"phone": "12"}, {}, "phone"),
        ({"surname": "   "}, {}, "surname"),
        ({"birth_date": date(2999, 1, 1)}, {}, "birth_date"),
        ({"is_main_tenant": False}, {}, "household"),
        ({}, {"signal_kinds": ["unknown"]}, "signal_kinds"),
        ({}, {"signal_kinds": []}, "signal_kinds"),
        ({}, {"arrears_cents": -1}, "arrears"),
    ],
)
def test_bad_input_is_refused_with_a_message(session, make_org, tenant, kwargs, field):
    with pytest.raises(DomainError) as caught:
        create_case(session, SYSTEM, make_org(), [main_tenant(**tenant)], **kwargs)
    assert caught.value.params["field"] == field and caught.value.message
    assert session.scalar(select(Case.id)) is None, "nothing changed"


def test_two_main_tenants_are_refused(session, make_org):
    with pytest.raises(DomainError):
        create_case(session, SYSTEM, make_org(), [main_tenant(), main_tenant(bsn="123456782")])


def test_update_person_checks_the_organisation_and_fields(session, make_case, make_user):
    person = make_case("corporatie").persons[0]
    with pytest.raises(Forbidden):
        update_person(session, staff_actor(make_user("welzijn")), person, surname="X")
    with pytest.raises(TypeError):
        update_person(session, SYSTEM, person, shoe_size="44")
    with pytest.raises(DomainError):
        update_person(session, SYSTEM, person, surname=" ")
    update_person(session, staff_actor(make_user("corporatie")), person, city="Anderstad")
    assert decrypt_field(person, "city") == "Anderstad"
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "person.update" and event.detail_dict == {"fields": ["city"]}
    assert "Anderstad" not in str(event.detail)


def test_cases_of_other_organisations_look_missing(session, make_case, make_user):
    case = make_case("corporatie")
    own, other = staff_actor(make_user("corporatie")), staff_actor(make_user("schuldhulp"))
    assert load_case(session, own, case.id) is case
    assert load_case_by_reference(session, own, case.reference.lower()) is case
    assert load_case(session, SYSTEM, case.id) is case
    with pytest.raises(NotFound):
        load_case(session, other, case.id)
    with pytest.raises(NotFound):
        load_case_by_reference(session, other, case.reference)
    with pytest.raises(NotFound):
        load_case(session, own, case.id + 1000)


def test_an_import_job_is_its_organisations_alone(session, make_user):
    own, other = staff_actor(make_user("corporatie")), staff_actor(make_user("schuldhulp"))
    job = ImportJob(organisation_id=own.organisation_id, status="done")
    session.add(job)
    session.flush()
    assert load_import_job(session, own, job.id) is job
    for actor, job_id in ((other, job.id), (SYSTEM, job.id), (own, job.id + 1000)):
        with pytest.raises(NotFound):
            load_import_job(session, actor, job_id)


def test_a_tenant_sees_only_their_own_case(session, make_case):
    mine, theirs = make_case(), make_case(bsn="123456782")
    tenant = Actor(kind="tenant", person_id=mine.persons[0].id)
    assert load_case(session, tenant, mine.id) is mine
    with pytest.raises(NotFound):
        load_case(session, tenant, theirs.id)
    with pytest.raises(NotFound):
        load_case(session, Actor(kind="tenant"), mine.id)


def test_only_a_system_command_shreds(session, make_case, make_user):
    case = make_case()
    with pytest.raises(Forbidden):
        shred_case(session, staff_actor(make_user("corporatie", roles=("org_admin",))), case)
    assert shred_case(session, SYSTEM, case) is True
    assert decrypt_field(case.persons[0], "surname") is ERASED
    assert shred_case(session, SYSTEM, case) is False


@pytest.mark.parametrize(("lang", "shown"), [("nl", "[gewist]"), ("en", "[erased]")])
def test_erased_reads_as_a_translated_marker(app, lang, shown):
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        assert str(ERASED) == shown
