"""A case erased by retention (its data key shredded) refuses every edit with a clear
message, on the case page and in the services, instead of failing at the flush (500)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.cases import groundwork
from portal.cases.models import ContactAttempt, LifeMapEntry
from portal.cases.service import PersonData, add_person, shred_case, update_case, update_person
from portal.crypto.fields import ERASED, decrypt_field
from portal.errors import DomainError
from portal.workdays import local_today
from tests.conftest import SYSTEM

HX = {"HX-Request": "true"}
ERASED_TEXT = "Deze casus is gewist na de bewaartermijn."


@pytest.fixture
def erased(session, make_case):
    """A case whose data key retention shredded, committed so a refused request's rollback
    keeps it."""
    case = make_case("corporatie", surname="Gewistnaam")
    shred_case(session, SYSTEM, case)
    session.commit()
    return case


def writes(session, case) -> int:
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.case_id == case.id))


def test_the_case_knows_it_is_erased(session, make_case, erased):
    assert erased.is_erased
    assert not make_case("corporatie").is_erased


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_editing_a_person_of_an_erased_case_is_refused(session, signed_in, erased, htmx):
    tenant = erased.persons[0]
    before = writes(session, erased)
    response = signed_in.post_form(
        f"/casussen/{erased.id}/huishouden/{tenant.id}",
        {"surname": "Nieuwenaam", "street": "Nieuwe Weg", "house_number": "7"},
        headers=HX if htmx else {},
    )
    assert response.status_code == (200 if htmx else 400)
    html = response.get_data(as_text=True)
    assert ERASED_TEXT in html and "Nieuwenaam" in html  # the form again, with why
    session.expire_all()
    assert decrypt_field(tenant, "surname") is ERASED
    # Only the view of the page is recorded: no person.update.
    assert writes(session, erased) - before <= 1
    assert not session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.case_id == erased.id, AuditEvent.action == "person.update"
        )
    )


def test_recording_a_contact_attempt_on_an_erased_case_is_refused(session, signed_in, erased):
    response = signed_in.post_form(
        f"/casussen/{erased.id}/contactpogingen/nieuw",
        {"attempted_on": str(local_today()), "channel": "phone", "outcome": "reached"},
    )
    assert response.status_code == 400 and ERASED_TEXT in response.get_data(as_text=True)
    count = select(func.count(ContactAttempt.id)).where(ContactAttempt.case_id == erased.id)
    assert session.scalar(count) == 0


def test_removing_a_member_and_opening_an_edit_form_are_refused(session, signed_in, make_case):
    case = make_case("corporatie", members=(PersonData(surname="Kind", relation="child"),))
    shred_case(session, SYSTEM, case)
    session.commit()
    child = case.persons[1]
    removed = signed_in.post_form(f"/casussen/{case.id}/huishouden/{child.id}/verwijderen", {})
    assert removed.status_code == 400 and ERASED_TEXT in removed.get_data(as_text=True)
    assert len(case.persons) == 2
    form = signed_in.get(f"/casussen/{case.id}/gegevens")
    assert form.status_code == 400 and ERASED_TEXT in form.get_data(as_text=True)
    # The case page itself still shows what is left of the case.
    assert signed_in.get(f"/casussen/{case.id}").status_code == 200


def test_the_services_refuse_an_erased_case(session, erased):
    tenant = erased.persons[0]
    attempts = [
        lambda: update_case(session, SYSTEM, erased, status="open"),
        lambda: update_person(session, SYSTEM, tenant, surname="Ander"),
        lambda: add_person(session, SYSTEM, erased, PersonData(surname="Nieuw")),
        lambda: groundwork.add_contact_attempt(
            session,
            SYSTEM,
            erased,
            groundwork.ContactAttemptData(local_today(), "phone", "reached"),
        ),
        lambda: groundwork.save_life_map(
            session, SYSTEM, erased, {"finances": groundwork.LifeDomainData(status="worried")}
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert ERASED_TEXT in refused.value.message
    assert not session.scalars(select(LifeMapEntry).where(LifeMapEntry.case_id == erased.id)).all()


def test_the_page_of_an_erased_case_offers_no_edit(session, signed_in, erased):
    page = signed_in.get(f"/casussen/{erased.id}").get_data(as_text=True)
    assert "gewist na de bewaartermijn" in page
    for form in ("/gegevens", "/huishouden/nieuw", "/contactpogingen/nieuw", "/afspraken/nieuw"):
        assert f'href="/casussen/{erased.id}{form}"' not in page, form
