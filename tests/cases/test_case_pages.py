"""The case page and its forms: every section, one audit event per view, inline htmx edits
with a full-page fallback, and bad input that gets a clear error and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.cases.models import (
    Agreement,
    Case,
    ContactAttempt,
    Finances,
    LifeMapEntry,
    Person,
)
from portal.cases.service import is_minor
from portal.crypto.fields import decrypt_field
from portal.db import utcnow
from portal.workdays import local_today

HX = {"HX-Request": "true"}


def today() -> str:
    return str(local_today())


def audit_count(session, action: str, case_id: int | None = None) -> int:
    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return session.scalar(query)


def rows(session, model, case) -> int:
    return session.scalar(select(func.count(model.id)).where(model.case_id == case.id))


def test_the_case_page_shows_every_section_with_one_audit_event(session, signed_in, make_case):
    case = make_case("corporatie", surname="Paginanaam")
    before = audit_count(session, "case.view", case.id)
    response = signed_in.get(f"/casussen/{case.id}")
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert audit_count(session, "case.view", case.id) == before + 1
    for anchor in (
        "casusgegevens",
        "huishouden",
        "contactpogingen",
        "afspraken",
        "financien",
        "levenskaart",
        "tijdlijn",
    ):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert "Paginanaam" in html and "€" in html
    assert "06 12345678" in html and "1234 AB" in html  # as people write them
    # The section navigation other pages about the case will join.
    assert 'aria-label="Over deze casus"' in html and "Casus en voorwerk" in html
    # The life map is a picture with a text alternative, and a table.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert "<desc id=" in html and "Levenskaart per levensgebied" in html
    assert "<script" not in html.split("<body")[1].split("</body>")[0].replace(
        '<script src="/static', ""
    )
    assert 'style="' not in html


def test_case_page_in_english(session, signed_in, make_case):
    case = make_case("corporatie")
    with signed_in.session_transaction() as sess:
        sess["lang"] = "en"
    html = signed_in.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "Contact attempts" in html and "Life map" in html and "Household" in html


def post(client, url: str, data: dict, htmx: bool = False):
    return client.post_form(url, data, headers=HX if htmx else {})


def _oob(html: str, element_id: str) -> str:
    """The out-of-band part with this id (up to the next one)."""
    match = re.search(rf'id="{element_id}"[^>]*hx-swap-oob="true"', html)
    assert match, f"no out-of-band {element_id}"
    rest = html[match.end() :]
    following = re.search(r'hx-swap-oob="true"', rest)
    return rest[: following.start()] if following else rest


def test_record_a_contact_attempt_with_htmx(session, signed_in, make_case):
    case = make_case("corporatie")
    case.contact_due_on = local_today() - timedelta(days=1)
    session.flush()
    response = post(
        signed_in,
        f"/casussen/{case.id}/contactpogingen/nieuw",
        {
            "attempted_on": today(),
            "channel": "house_visit",
            "outcome": "reached",
            "note": "Gesprek aan de deur.",
        },
        htmx=True,
    )
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.startswith('\n<section id="contactpogingen"') or 'id="contactpogingen"' in html
    assert "Gesprek aan de deur." in html and "<main" not in html  # a fragment, not a page
    # Everything else the change altered comes along out of band: the state at the top (now
    # in progress), the summary (one attempt, no deadline) and the timeline.
    title, summary = _oob(html, "casus-kop"), _oob(html, "in-het-kort")
    assert "In behandeling" in title
    assert "1 contactpoging" in summary and "te laat" not in summary
    assert "Gesprek aan de deur." in _oob(html, "tijdlijn")
    assert "De contactpoging is vastgelegd." in html
    attempt = session.scalars(select(ContactAttempt).where(ContactAttempt.case_id == case.id)).one()
    assert decrypt_field(attempt, "note") == "Gesprek aan de deur."
    # The first attempt meets the deadline; reaching the tenant puts the case in progress.
    assert case.contact_due_on is None and case.status == "in_progress"


def test_record_a_contact_attempt_without_javascript(session, signed_in, make_case):
    case = make_case("corporatie")
    response = post(
        signed_in,
        f"/casussen/{case.id}/contactpogingen/nieuw",
        {"attempted_on": today(), "channel": "phone", "outcome": "not_reached"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/casussen/{case.id}#contactpogingen")
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "De contactpoging is vastgelegd." in page and "Niet bereikt" in page


INVALID_ATTEMPTS = [
    ({"channel": "phone", "outcome": "reached"}, "attempted_on"),
    ({"attempted_on": "2099-01-01", "channel": "phone", "outcome": "reached"}, "attempted_on"),
    ({"attempted_on": "gisteren", "channel": "phone", "outcome": "reached"}, "attempted_on"),
    ({"attempted_on": "{today}", "channel": "fax", "outcome": "reached"}, "channel"),
    ({"attempted_on": "{today}", "channel": "phone"}, "outcome"),
    (
        {"attempted_on": "{today}", "channel": "phone", "outcome": "reached", "note": "x" * 501},
        "note",
    ),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("data", "field"), INVALID_ATTEMPTS)
def test_a_bad_contact_attempt_is_refused_and_changes_nothing(
    session, signed_in, make_case, data, field, htmx
):
    case = make_case("corporatie")
    data = {k: v.format(today=today()) for k, v in data.items()}
    writes = audit_count(session, "groundwork.add")
    response = post(signed_in, f"/casussen/{case.id}/contactpogingen/nieuw", data, htmx=htmx)
    html = response.get_data(as_text=True)
    assert response.status_code == (200 if htmx else 400)
    assert f'id="new-{field}-error"' in html or f'id="new-{field}-error"' in html.replace(
        "edit-", "new-"
    )
    assert 'aria-invalid="true"' in html and "Er is niets opgeslagen" in html
    assert ("<h1" in html) is not htmx
    assert rows(session, ContactAttempt, case) == 0
    assert audit_count(session, "groundwork.add") == writes


def test_edit_a_contact_attempt_inline_and_on_its_own_page(session, signed_in, make_case):
    case = make_case("corporatie")
    post(
        signed_in,
        f"/casussen/{case.id}/contactpogingen/nieuw",
        {"attempted_on": today(), "channel": "phone", "outcome": "not_reached"},
    )
    attempt = session.scalars(select(ContactAttempt).where(ContactAttempt.case_id == case.id)).one()
    url = f"/casussen/{case.id}/contactpogingen/{attempt.id}"
    inline = signed_in.get(url, headers=HX).get_data(as_text=True)
    assert "<h1" not in inline and "Contactpoging wijzigen" in inline and "checked" in inline
    full = signed_in.get(url).get_data(as_text=True)
    assert "<h1" in full and "Contactpoging wijzigen" in full
    response = post(
        signed_in, url, {"attempted_on": today(), "channel": "letter", "outcome": "refused"}
    )
    assert response.status_code == 303
    session.refresh(attempt)
    assert decrypt_field(attempt, "channel") == "letter"
    # Cancelling an inline edit restores the section.
    cancel = signed_in.get(f"/casussen/{case.id}/onderdelen/contact", headers=HX)
    assert 'id="contactpogingen"' in cancel.get_data(as_text=True)
    assert signed_in.get(f"/casussen/{case.id}/onderdelen/contact").status_code == 302
    assert signed_in.get(f"/casussen/{case.id}/onderdelen/nope", headers=HX).status_code == 404


def test_agreements(session, signed_in, make_case):
    case = make_case("corporatie")
    session.commit()  # invalid input rolls back: the case must outlive it
    url = f"/casussen/{case.id}/afspraken/nieuw"
    bad = post(signed_in, url, {"amount": "veel", "starts_on": today(), "status": "active"})
    assert bad.status_code == 400 and "Dit bedrag klopt niet" in bad.get_data(as_text=True)
    assert rows(session, Agreement, case) == 0
    zero = post(signed_in, url, {"amount": "0", "starts_on": today(), "status": "active"})
    assert zero.status_code == 400 and rows(session, Agreement, case) == 0
    good = post(
        signed_in, url, {"amount": "75,50", "starts_on": today(), "status": "active"}, htmx=True
    )
    assert good.status_code == 200 and "€" in good.get_data(as_text=True)
    agreement = session.scalars(select(Agreement).where(Agreement.case_id == case.id)).one()
    assert decrypt_field(agreement, "amount_cents") == 7_550


def test_finances(session, signed_in, make_case):
    case = make_case("corporatie")
    session.commit()  # invalid input rolls back: the case must outlive it
    url = f"/casussen/{case.id}/financien"
    bad = post(signed_in, url, {"income_source": "lottery", "income": "1.800,00"})
    assert bad.status_code == 400 and rows(session, Finances, case) == 0
    good = post(
        signed_in,
        url,
        {
            "income_source": "benefit",
            "income": "1.450,00",
            "debts": "8.300",
            "debts_note": "Energie, zorgverzekering",
            "debt_support": "none",
        },
    )
    assert good.status_code == 303
    finances = session.scalars(select(Finances).where(Finances.case_id == case.id)).one()
    assert decrypt_field(finances, "income_cents") == 145_000
    assert decrypt_field(finances, "debts_cents") == 830_000
    # Saved again: still one record per case.
    post(signed_in, url, {"income_source": "wages", "debt_support": "applied"})
    assert rows(session, Finances, case) == 1
    form = signed_in.get(url).get_data(as_text=True)
    assert '<option selected value="wages">' in form


def test_life_map(session, signed_in, make_case):
    case = make_case("corporatie")
    session.commit()  # invalid input rolls back: the case must outlive it
    url = f"/casussen/{case.id}/levenskaart"
    bad = post(signed_in, url, {"finances-status": "fine", "health-note": "x" * 301})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and rows(session, LifeMapEntry, case) == 0
    assert 'id="life-finances-status-error"' in html and 'id="life-health-note-error"' in html
    good = post(
        signed_in,
        url,
        {
            "finances-status": "worried",
            "finances-note": "Zorgen over de huur",
            "work_income-status": "acute",
            "social_network-note": "Zus dichtbij",
        },
        htmx=True,
    )
    html = good.get_data(as_text=True)
    assert good.status_code == 200 and "Zorgen over de huur" in html and "<svg" in html
    assert rows(session, LifeMapEntry, case) == 3
    # Emptying a domain removes it.
    post(signed_in, url, {"finances-status": "worried"})
    assert rows(session, LifeMapEntry, case) == 1


def test_household_add_edit_and_remove(session, signed_in, make_case):
    case = make_case("corporatie")
    session.commit()  # invalid input rolls back: the case must outlive it
    url = f"/casussen/{case.id}/huishouden/nieuw"
    bad = post(signed_in, url, {"surname": "", "bsn": "123"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Vul een achternaam in" in html
    assert len(case.persons) == 1
    bad_bsn = post(signed_in, url, {"surname": "Kind", "bsn": "111222334"})
    assert bad_bsn.status_code == 400 and "Dit BSN klopt niet" in bad_bsn.get_data(as_text=True)
    born = str(local_today().replace(year=utcnow().year - 9))
    good = post(
        signed_in,
        url,
        {"surname": "Kind", "initials": "K.", "birth_date": born, "relation": "child"},
    )
    assert good.status_code == 303
    session.refresh(case)
    child = case.persons[1]
    assert is_minor(child) and decrypt_field(child, "relation") == "child"
    edit = f"/casussen/{case.id}/huishouden/{child.id}"
    form = signed_in.get(edit).get_data(as_text=True)
    assert f'value="{born}"' in form and "checked" in form
    changed = {
        "surname": "Kindnaam",
        "initials": "K.",
        "birth_date": born,
        "relation": "child",
        "minor": "y",
    }
    assert post(signed_in, edit, changed).status_code == 303
    session.refresh(child)
    assert decrypt_field(child, "surname") == "Kindnaam" and is_minor(child)
    tenant = case.persons[0]
    main = post(signed_in, f"/casussen/{case.id}/huishouden/{tenant.id}/verwijderen", {})
    assert main.status_code == 400
    removed = post(
        signed_in, f"/casussen/{case.id}/huishouden/{child.id}/verwijderen", {}, htmx=True
    )
    assert removed.status_code == 200 and "Kindnaam" not in removed.get_data(as_text=True)
    assert session.scalar(select(func.count(Person.id)).where(Person.case_id == case.id)) == 1


def test_the_main_tenant_moves(session, signed_in, make_case):
    from portal.cases.service import find_cases_by_address
    from tests.conftest import SYSTEM

    case = make_case("corporatie")
    tenant = case.persons[0]
    response = post(
        signed_in,
        f"/casussen/{case.id}/huishouden/{tenant.id}",
        {
            "surname": "Jansen",
            "street": "Nieuwe Weg",
            "house_number": "7",
            "postcode": "5678 CD",
            "city": "Demostad",
            "bsn": "111222333",
        },
    )
    assert response.status_code == 303
    assert find_cases_by_address(session, SYSTEM, "5678CD", "7") == [case]
    assert find_cases_by_address(session, SYSTEM, "1234AB", "12") == []


def test_edit_the_case_file(session, signed_in, make_case):
    case = make_case("corporatie")
    url = f"/casussen/{case.id}/gegevens"
    form = signed_in.get(url).get_data(as_text=True)
    assert 'value="123,45"' in form
    bad = post(signed_in, url, {"status": "open", "arrears_amount": "1,2,3"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Kies minstens één signaal" in html and "Dit bedrag klopt niet" in html
    good = post(
        signed_in,
        url,
        {
            "status": "closed",
            "signal_kinds": ["arrears", "nuisance"],
            "arrears_amount": "2.500",
            "arrears_months": "5",
            "tenant_number": "H-77",
        },
    )
    assert good.status_code == 303
    session.refresh(case)
    assert case.status == "closed" and case.closed_at is not None
    assert case.signal_kinds == ["arrears", "nuisance"]
    assert {link.kind for link in case.signal_links} == {"arrears", "nuisance"}
    assert decrypt_field(case, "arrears_cents") == 250_000
    assert decrypt_field(case, "tenant_number") == "H-77"


def test_new_case_form_and_a_repeated_signal(session, signed_in):
    form = signed_in.get("/casussen/nieuw")
    assert form.status_code == 200
    data = {
        "signal_kinds": ["arrears"],
        "signal_date": today(),
        "surname": "Nieuwenhuis",
        "initials": "B.",
        "bsn": "123456782",
        "street": "Laan",
        "house_number": "1",
        "postcode": "1234 AB",
        "city": "Demostad",
        "arrears_amount": "900,00",
        "arrears_months": "2",
    }
    bad = post(signed_in, "/casussen/nieuw", {**data, "bsn": "123456780", "postcode": "12"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Dit BSN klopt niet" in html
    assert session.scalar(select(func.count(Case.id))) == 0
    first = post(signed_in, "/casussen/nieuw", data)
    assert first.status_code == 303
    page = signed_in.get(first.headers["Location"]).get_data(as_text=True)
    assert "is geopend" in page and "Nieuwenhuis" in page
    again = post(
        signed_in,
        "/casussen/nieuw",
        {**data, "arrears_amount": "1.350,00", "signal_kinds": ["nuisance"]},
    )
    assert again.headers["Location"] == first.headers["Location"]
    page = signed_in.get(again.headers["Location"]).get_data(as_text=True)
    assert "had al een open casus" in page
    case = session.scalars(select(Case)).one()
    assert case.signal_kinds == ["arrears", "nuisance"]
    assert decrypt_field(case, "arrears_cents") == 135_000
    assert len(case.signals) == 2
