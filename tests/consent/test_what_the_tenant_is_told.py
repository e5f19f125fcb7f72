"""What the tenant is told: what goes to whom by law whatever she answers (before she
answers), a receipt that shows a withdrawn category as withdrawn (with its date), a receipt of
its own for each withdrawal, and a refused category that is not asked again in one click."""

from __future__ import annotations

import copy
import html as htmllib
import json
import re

import flask_babel
import pytest
from sqlalchemy import select

from consent import service
from consent.models import ConsentEvent, ConsentRecord, ConsentRequest
from portal.actor import Actor
from portal.covenant.rules import Covenant, active_covenant, active_version
from portal.errors import DomainError
from portal.sharing import reveal
from tests.consent.conftest import PURPOSE, another_tenant, answer, ask, events, link_for, prove
from tests.consent.test_professional import pdf_text

COACH = "Gemeente Demostad — Schuldhulpverlening (Schuldhulpcoach)"
BY_LAW = (
    "Gemeente Demostad — Schuldhulpverlening krijgt altijd: "
    "Identiteit, Contactgegevens, Huurachterstand, Geldzaken, Uw eigen woorden."
)


def _text(response) -> str:
    """A page's visible text, tags dropped, entities decoded, white space made one space."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(htmllib.unescape(body).split())


def _given(client, session, world, sms_box, choices) -> list[ConsentRecord]:
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    assert answer(client, choices).status_code == 302
    return list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)))


def _day(app, moment, form: str = "long") -> str:
    """A date as the pages print it (Flask-Babel, Dutch, the portal's time zone)."""
    with app.test_request_context():
        return flask_babel.format_date(moment, form)


def _withdraw_life_map(client, session, world, sms_box) -> tuple[ConsentRecord, ConsentEvent]:
    records = _given(client, session, world, sms_box, [["household", "life_map"], []])
    record = records[0]
    response = client.post_form(
        f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["life_map"]}
    )
    event = session.scalar(select(ConsentEvent))
    assert response.status_code == 302 and event is not None
    return record, event


# --- 1. what goes by law, whatever she answers -------------------------------------------------


def test_law_notices_are_derived_from_the_covenant(session, demo_covenant):
    covenant = active_covenant(session)
    notices = service.law_notices(covenant, PURPOSE)
    assert [(n.role, n.partners, n.basis.code, n.categories) for n in notices] == [
        (
            "debt_coach",
            ("schuldhulp",),
            "wgs_help",
            ("identity", "contact", "arrears", "finances", "tenant_input"),
        )
    ]
    assert notices[0].basis.kind == "statutory"
    # Only consent for this purpose: nothing goes by law.
    assert service.law_notices(covenant, "care_support") == []
    assert service.law_notices(covenant, "no_such_purpose") == []
    # Another covenant, another notice: the rule lives in the covenant, not in the code.
    document = copy.deepcopy(active_version(session).document)
    for category in ("arrears", "finances"):
        document["purposes"][PURPOSE]["sharing"]["debt_coach"][category] = "consent"
    changed = Covenant.from_document(document)
    assert [n.categories for n in service.law_notices(changed, PURPOSE)] == [
        ("identity", "contact", "tenant_input")
    ]


def test_the_pages_say_what_goes_by_law_before_she_answers(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    for url in ("/toestemming/vraag", "/toestemming/vraag/1", "/toestemming/vraag/2"):
        response = client.get(url)
        text = _text(response)
        assert response.status_code == 200
        assert "Dit gaat altijd door, ook als u nee zegt" in text, url
        assert BY_LAW in text, url
        assert "De wet geeft de gemeente het recht om deze gegevens te gebruiken" in text, url
        assert "Uw ja of nee gaat alleen over de andere gegevens." in text, url
    # On a question the notice comes before the boxes she ticks.
    page = client.get("/toestemming/vraag/2").get_data(as_text=True)
    assert page.index("krijgt altijd:") < page.index('type="checkbox"')
    # And on the overview of her answers, before she confirms.
    client.post_form("/toestemming/vraag/1", {"categories": ["household"]})
    client.post_form("/toestemming/vraag/2", {})
    check = _text(client.get("/toestemming/controleren"))
    assert BY_LAW in check
    assert check.index(BY_LAW) < check.index("Ja, ik geef deze toestemming")
    # In her own language too.
    client.get("/taal/en")
    english = _text(client.get("/toestemming/vraag/1"))
    assert "This always happens, even if you say no" in english
    assert "always gets: Identity, Contact details" in english


# --- 2. the consent receipt after a withdrawal ----------------------------------------------------


def test_receipt_shows_a_withdrawn_category_as_withdrawn_with_its_date(
    app, client, session, world, sms_box
):
    record, event = _withdraw_life_map(client, session, world, sms_box)
    day = _day(app, event.occurred_at)

    text = pdf_text(client.get(f"/toestemming/bewijs/{record.receipt_id}.pdf").data)
    given, later = text.split("Later ingetrokken", 1)
    withdrawn = later.split("De tekst van uw toestemming", 1)[0]
    assert "Huishouden" in given
    assert "Levenskaart" not in given  # no longer listed as given
    assert f"Levenskaart, ingetrokken op {day}" in withdrawn

    data = json.loads(client.get(f"/toestemming/bewijs/{record.receipt_id}.json").data)
    (purpose,) = data["services"][0]["purposes"]
    assert purpose["thirdPartyName"] == COACH
    assert purpose["piiCategory"] == ["Huishouden"]
    (line,) = data["ketenportaal"]["records"]
    assert line["categories"] == ["household", "life_map"]  # what was agreed then
    assert line["withdrawals"] == [
        {
            "category": "life_map",
            "name": "Levenskaart",
            "withdrawnAt": event.occurred_at.isoformat(),
        }
    ]


# --- 3. a withdrawal's own receipt ----------------------------------------------------------


def test_a_withdrawal_has_its_own_receipt(app, client, session, world, sms_box):
    _given(client, session, world, sms_box, [["household", "life_map"], []])
    record = session.scalar(select(ConsentRecord))
    response = client.post_form(
        f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["life_map"]}
    )
    event = session.scalar(select(ConsentEvent))
    url = f"/toestemming/intrekking/{event.id}"
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    day = _day(app, event.occurred_at)

    page = client.get(url)
    text = _text(page)
    assert page.status_code == 200
    assert "U heeft uw toestemming ingetrokken" in text  # the flash, as before
    assert "Uw toestemming is ingetrokken" in text and COACH in text
    assert "Welke gegevens Levenskaart" in text and f"Ingetrokken op {day}" in text
    assert "Mag nog wel krijgen Huishouden" in text
    html = page.get_data(as_text=True)
    assert f'href="{url}.pdf"' in html and f'href="{url}.json"' in html

    pdf = client.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        f'attachment; filename="intrekking-{event.id}.pdf"'
    )
    text = pdf_text(pdf.data)
    assert "Bewijs van intrekking" in text and "A. Yilmaz" in text and day in text
    stopped, remaining = text.split("Mag nog wel krijgen", 1)
    assert COACH in stopped and "Levenskaart" in stopped and "Huishouden" not in stopped
    assert "Huishouden" in remaining and "Levenskaart" not in remaining

    download = client.get(f"{url}.json")
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="intrekking-{event.id}.json"'
    )
    data = json.loads(download.data)
    assert data["receiptType"] == "consentWithdrawal"
    assert data["piiPrincipalId"] == "A. Yilmaz" and data["thirdPartyName"] == COACH
    assert data["withdrawnPiiCategory"] == ["Levenskaart"]
    assert data["remainingPiiCategory"] == ["Huishouden"]
    assert data["withdrawnAt"] == event.occurred_at.isoformat()
    assert data["consentReceiptID"] == record.receipt_id
    assert data["ketenportaal"]["withdrawnCategories"] == ["life_map"]
    assert data["ketenportaal"]["endsRecord"] is False
    # Her name was read through the policy point: one audited look per download.
    assert len(events(session, "consent.withdrawal_receipt")) == 2

    # "My consents" keeps the way back to it.
    mine = client.get("/toestemming/mijn").get_data(as_text=True)
    assert f'href="{url}"' in mine


def test_a_later_withdrawal_does_not_change_an_earlier_receipt(client, session, world, sms_box):
    record, first = _withdraw_life_map(client, session, world, sms_box)
    client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["household"]})
    data = json.loads(client.get(f"/toestemming/intrekking/{first.id}.json").data)
    assert data["remainingPiiCategory"] == ["Huishouden"]
    second = session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
    later = json.loads(client.get(f"/toestemming/intrekking/{second.id}.json").data)
    assert later["withdrawnPiiCategory"] == ["Huishouden"] and later["remainingPiiCategory"] == []
    assert later["ketenportaal"]["endsRecord"] is True


def test_only_her_own_session_reaches_a_withdrawal_receipt(
    client, session, world, sms_box, make_case, new_client
):
    _record, event = _withdraw_life_map(client, session, world, sms_box)
    url = f"/toestemming/intrekking/{event.id}"
    stranger = new_client()
    for suffix in ("", ".pdf", ".json"):
        assert stranger.get(url + suffix).status_code == 303  # to "session ended"
    other = another_tenant(new_client, make_case)
    for suffix in ("", ".pdf", ".json"):
        assert other.get(url + suffix).status_code == 404
    assert client.get("/toestemming/intrekking/999999.pdf").status_code == 404


def test_an_expiry_is_not_a_withdrawal_receipt(client, session, world, sms_box):
    record, withdrawal = _withdraw_life_map(client, session, world, sms_box)
    (expiry,) = service.expire_due(session, Actor.system("test"), now=record.valid_until)
    session.commit()
    assert client.get(f"/toestemming/intrekking/{withdrawal.id}.json").status_code == 200
    assert client.get(f"/toestemming/intrekking/{expiry.id}.json").status_code == 404


# --- 4. a refused category is not asked again in one click ---------------------------------------


@pytest.fixture
def owner(new_client, login, world):
    browser = new_client()
    login(browser, world.owner)
    return browser


def _box(html: str, value: str) -> str:
    found = re.search(rf'<input[^>]*value="{re.escape(value)}"[^>]*>', html)
    assert found, value
    return found.group(0)


def test_ask_page_shows_what_she_declined_and_withdrew_unticked(
    app, owner, client, session, world, sms_box
):
    coach, welfare = world.orgs["schuldhulp"].id, world.orgs["welzijn"].id
    records = _given(client, session, world, sms_box, [["household", "life_map"], ["household"]])
    declined_on = _day(app, session.scalar(select(ConsentRequest)).answered_at)
    client.post_form(f"/toestemming/mijn/{records[0].id}/intrekken", {"categories": ["life_map"]})
    withdrawn_on = _day(app, session.scalar(select(ConsentEvent)).occurred_at)

    page = owner.get(f"/casussen/{world.case.id}/toestemming/vragen?doel={PURPOSE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Declined when asked: contact history for the coach, arrears and finances for welfare.
    assert "checked" not in _box(html, f"debt_coach|{coach}|contact_history")
    assert "checked" not in _box(html, f"welfare|{welfare}|arrears")
    assert "checked" not in _box(html, f"welfare|{welfare}|finances")
    assert html.count(f"geweigerd op {declined_on}") == 3
    # Withdrawn later: the life map for the coach.
    assert "checked" not in _box(html, f"debt_coach|{coach}|life_map")
    assert f"ingetrokken op {withdrawn_on}" in html
    # What she agreed to, or was never asked, is offered without a note (and, like every
    # item, not ticked: the sender chooses).
    assert "checked" not in _box(html, f"debt_coach|{coach}|household")
    assert f"item-1-{coach}-household-refused" not in html
    assert 'name="reask_reason"' in html


def test_asking_again_after_a_no_needs_a_reason(owner, client, session, world, sms_box):
    coach = world.orgs["schuldhulp"].id
    _given(client, session, world, sms_box, [["household"], ["household"]])
    url = f"/casussen/{world.case.id}/toestemming/vragen?doel={PURPOSE}"
    form = {
        "person": str(world.case.persons[0].id),
        "item": [f"debt_coach|{coach}|life_map"],
        "channels": ["sms"],
        "language": "nl",
        "valid_days": "365",
        "rep_mandate": "",
    }
    refused = owner.post_form(url, form)
    assert refused.status_code == 400
    assert "eerder weigerde of introk" in _text(refused)
    assert len(session.scalars(select(ConsentRequest)).all()) == 1

    asked = owner.post_form(url, {**form, "reask_reason": "Zij belde zelf: ze wil nu wel."})
    assert asked.status_code == 302
    request = session.scalars(select(ConsentRequest).order_by(ConsentRequest.id.desc())).first()
    assert request.status == "pending"
    shown = reveal(session, world.actor(world.owner), world.case, {request: ["notes"]})
    assert shown.get(request, "notes") == "Zij belde zelf: ze wil nu wel."
    (event,) = [e for e in events(session, "consent.requested") if e.detail_dict.get("asked_again")]
    assert event.detail_dict["asked_again"] == ["life_map"]


def test_refusals_follow_her_last_answer(client, session, world, sms_box):
    coach = world.orgs["schuldhulp"].id
    records = _given(client, session, world, sms_box, [["household", "life_map"], []])
    found = service.refusals(session, world.case, PURPOSE, "debt_coach", coach)
    assert {c: r.kind for c, r in found.items()} == {"contact_history": "declined"}
    service.withdraw(session, Actor(kind="tenant", person_id=records[0].person_id), records[0])
    found = service.refusals(session, world.case, PURPOSE, "debt_coach", coach)
    assert {c: r.kind for c, r in found.items()} == {
        "household": "withdrawn",
        "life_map": "withdrawn",
        "contact_history": "declined",
    }
    # Consent given again (on paper) clears the refusal for that category.
    service.record_offline(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=PURPOSE,
        items=[{"role": "debt_coach", "organisation_id": coach, "categories": ["household"]}],
        method="paper",
        language="nl",
        valid_days=365,
        evidence=service.Evidence(b"%PDF-1.4 form", "application/pdf"),
    )
    found = service.refusals(session, world.case, PURPOSE, "debt_coach", coach)
    assert set(found) == {"life_map", "contact_history"}
    # Welfare said no to everything it asked; the care partner was never asked anything.
    welfare = service.refusals(session, world.case, PURPOSE, "welfare", world.orgs["welzijn"].id)
    assert {c: r.kind for c, r in welfare.items()} == {
        "household": "declined",
        "arrears": "declined",
        "finances": "declined",
    }
    assert service.refusals(session, world.case, PURPOSE, "care", world.orgs["zorg"].id) == {}


def test_one_click_from_the_send_page_does_not_ask_again_what_she_refused(
    app, owner, client, session, world, sms_box
):
    _given(client, session, world, sms_box, [["household", "contact_history"], []])
    declined_on = _day(app, session.scalar(select(ConsentRequest)).answered_at)
    url = f"/casussen/{world.case.id}/overdragen?purpose={PURPOSE}"
    page = owner.get(url)
    text = _text(page)
    assert page.status_code == 200
    assert f"geweigerd op {declined_on}" in text
    assert "Toestemming vragen aan de huurder" not in text  # no one-click button
    assert "Toch opnieuw vragen, met een reden" in text
    clicked = owner.post_form(
        f"/casussen/{world.case.id}/overdragen",
        {
            "purpose": PURPOSE,
            "recipient": str(world.orgs["schuldhulp"].id),
            "action": "ask_consent",
        },
        follow_redirects=True,
    )
    assert "De huurder zei hier eerder nee tegen" in _text(clicked)
    assert len(session.scalars(select(ConsentRequest)).all()) == 1
    # The service itself leaves a refused category out of a one-click request.
    with pytest.raises(DomainError):
        service.ask_missing(
            session,
            world.actor(world.owner),
            world.case,
            purpose=PURPOSE,
            role="debt_coach",
            organisation_id=world.orgs["schuldhulp"].id,
            categories=["life_map"],
            link_for=link_for,
        )
