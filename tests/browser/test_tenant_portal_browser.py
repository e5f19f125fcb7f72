"""Scenario D in real Chromium: the demo tenant of Scenario A signs in, answers a consent
request, reads her case, writes her own view, downloads her data, and changes her number; with
the keyboard alone, in Dutch, Turkish and Arabic (right to left). Then her bewindvoerder acts
for her, and the caseworker answers her question. Every tenant page: axe-core at zero, nothing
wider than the screen at 320, 390 and 1280 px and at 200 % zoom, screenshots for a person to
look at."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consent import service, sms
from portal import ROOT
from portal.accounts.models import Organisation
from portal.accounts.service import find_user_by_email
from portal.actor import staff_actor
from portal.cases import mandates
from portal.cases.models import Case, Person
from portal.crypto import blind_index
from portal.demo import SCENARIO_A_BSN
from portal.extensions import db
from tests.browser.conftest import PHONE, axe_violations, new_staff, reset_throttle, sign_in

FOLDER = "tenant"
BIRTH = date(1988, 6, 12)  # the Scenario A tenant (portal.demo)
PHONE_ON_FILE = "06 12345678"
SIZES = ({"width": 320, "height": 720}, PHONE, {"width": 1280, "height": 900})
OWN_WORDS = "section[aria-labelledby=inbreng]"
#: A 1280 px window at 200 % zoom lays the page out in 640 CSS pixels.
ZOOMED = {"width": 640, "height": 450}

TEXTS = {
    "nl": {
        "come_back": "Inloggen op Mijn zaak",
        "send": "Stuur mij een code",
        "go": "Doorgaan",
        "my_case": "Mijn zaak",
        "my_data": "Mijn gegevens",
        "mine": "Mijn toestemmingen",
        "answer_request": "Beantwoorden",
        "start": "Beginnen",
        "next": "Volgende",
        "yes": "Ja, ik geef deze toestemming",
        "done": "Uw toestemming is bewaard",
        "send_say": "Versturen",
        "say_sent": "Uw bericht is verstuurd",
        "json": "JSON",
        "correct": "Geef een nieuw telefoonnummer of e-mailadres door",
        "pass_on": "Doorgeven",
        "waiting": "kijkt er nog naar",
    },
    "ar": {
        "come_back": None,
        "send": None,
        "go": None,
        "my_case": "ملفي",
        "my_data": None,
        "mine": None,
        "answer_request": None,
        "start": None,
        "next": None,
        "yes": None,
        "done": "تم حفظ موافقتك",
        "send_say": None,
        "say_sent": None,
        "json": "JSON",
        "correct": None,
        "pass_on": None,
        "waiting": None,
    },
    "tr": {
        "come_back": None,
        "send": "Bana bir kod gönder",
        "go": "Devam",
        "my_case": "Dosyam",
        "my_data": None,
        "mine": "Onaylarım",
        "answer_request": None,
        "start": "Başla",
        "next": "İleri",
        "yes": "Evet, bu onayı veriyorum",
        "done": "Onayınız kaydedildi",
        "send_say": None,
        "say_sent": None,
        "json": "JSON",
        "correct": None,
        "pass_on": None,
        "waiting": None,
    },
}


def _code(live_app) -> str:
    return re.search(r"\b(\d{6})\b", sms.sent_messages(live_app)[-1][1]).group(1)


def _scenario_a(live_app) -> dict:
    """The demo's Scenario A case, a fresh consent request for its tenant (so she has one to
    answer), and her person id."""
    with live_app.app_context():
        session = db.session
        digest = blind_index.blind_digest(session, "bsn", SCENARIO_A_BSN)
        person = session.scalar(
            select(Person).where(Person.blind_indexes.any(field="bsn", digest=digest))
        )
        case = session.get_one(Case, person.case_id)
        coach = session.scalar(select(Organisation).where(Organisation.slug == "schuldhulp"))
        sanne = find_user_by_email(session, "sanne@corporatie.example")
        request, _tokens = service.request_consent(
            session,
            staff_actor(sanne),
            case,
            person_id=person.id,
            purpose="debt_help",
            items=[
                {
                    "role": "debt_coach",
                    "organisation_id": coach.id,
                    "categories": ["household", "contact_history"],
                }
            ],
            channels=["letter"],
            language="nl",
            valid_days=365,
            link_for=lambda token: f"/t/{token}",
            reask_reason="Zij wil er opnieuw naar kijken.",  # a run before may have said no
        )
        session.commit()
        return {"case_id": case.id, "person_id": person.id, "request_id": request.id}


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _look(page, name: str) -> None:
    """Axe at zero; nothing wider than the screen at every size and at 200 % zoom; the
    screenshots written to the ignored test-results folder."""
    assert axe_violations(page) == [], name
    folder = ROOT / "test-results" / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for size in (*SIZES, ZOOMED):
        page.set_viewport_size(size)
        fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert fits, f"{name} is wider than {size['width']} px"
        if size is not ZOOMED:
            page.screenshot(path=str(folder / f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def _sign_in(page, live_app, lang: str, contact: str, birth: date) -> None:
    text = TEXTS[lang]
    page.goto("/toestemming/terugkomen")
    if lang != "nl":
        page.goto(f"/taal/{lang}?next=/toestemming/terugkomen")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    if text["come_back"]:
        expect(page.locator("h1")).to_have_text(text["come_back"])
    _look(page, f"sign-in-{lang}")
    _tab_to(page, "#contact")
    page.keyboard.type(contact)
    page.keyboard.press("Enter")
    page.wait_for_url("**/toestemming/code")
    _look(page, f"code-{lang}")
    _tab_to(page, "#code")
    page.keyboard.type(_code(live_app))
    for name, value in (("day", birth.day), ("month", birth.month), ("year", birth.year)):
        _tab_to(page, f"#{name}")
        page.keyboard.type(str(value))
    page.keyboard.press("Enter")
    page.wait_for_url("**/mijn-zaak")


@pytest.mark.parametrize("lang", ["nl", "tr", "ar"])
def test_the_tenant_with_the_keyboard_alone(browser, live_server, live_app, lang):
    reset_throttle(live_app)
    text = TEXTS[lang]
    scenario = _scenario_a(live_app)
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _sign_in(page, live_app, lang, PHONE_ON_FILE, BIRTH)
        expect(page.locator("h1")).to_have_text(text["my_case"])
        _look(page, f"my-case-{lang}")

        # Consent: from her consents, the open request, one question, check, confirm.
        _tab_to(page, "nav a[href='/toestemming/mijn']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/toestemming/mijn")
        _look(page, f"my-consents-{lang}")
        _tab_to(page, f"a[href='/toestemming/verzoek/{scenario['request_id']}']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/toestemming/vraag")
        _tab_to(page, "a[href$='/toestemming/vraag/1']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/toestemming/vraag/1")
        _tab_to(page, "input[value='household']")
        page.keyboard.press("Space")
        _tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/toestemming/controleren")
        _look(page, f"check-{lang}")
        _tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/toestemming/klaar/**")
        expect(page.locator("h1")).to_have_text(text["done"])
        _look(page, f"consent-done-{lang}")

        # My case: her own view, sent with the keyboard.
        page.goto("/mijn-zaak")
        _tab_to(page, "#text")
        page.keyboard.type("Ik wil graag een regeling. Ik kan 100 euro per maand betalen.")
        _tab_to(page, "form[action='/mijn-zaak/inbreng'] button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/mijn-zaak#inbreng")
        expect(page.locator(OWN_WORDS)).to_contain_text(
            "Ik wil graag een regeling", use_inner_text=True
        )
        if text["say_sent"]:
            expect(page.get_by_role("status").first).to_contain_text(
                text["say_sent"], use_inner_text=True
            )
        _look(page, f"my-case-after-{lang}")

        # My data: the page, then the download, with the keyboard.
        _tab_to(page, "nav a[href='/mijn-gegevens']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/mijn-gegevens")
        _look(page, f"my-data-{lang}")
        _tab_to(page, "a[href='/mijn-gegevens.json']")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert re.fullmatch(
            r"mijn-gegevens-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename
        )
        with open(download.value.path(), encoding="utf-8") as fh:
            data = json.load(fh)
        assert data["myself"]["surname"] == "Aydın"
        assert "Ik wil graag een regeling" in json.dumps(data, ensure_ascii=False)

        # A new phone number, for the corporation to confirm.
        page.goto("/mijn-gegevens/wijzigen")
        _look(page, f"correct-{lang}")
        _tab_to(page, "#phone")
        page.keyboard.type("06 55667788")
        page.keyboard.press("Enter")
        page.wait_for_url("**/mijn-zaak#wijzigingen")
        if text["waiting"]:
            expect(page.locator("#wijzigingen").locator("..")).to_contain_text(
                text["waiting"], use_inner_text=True
            )

        # Who looked, and signing out from the menu.
        page.goto("/toestemming/inzage")
        _look(page, f"who-looked-{lang}")
        _tab_to(page, "nav form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/toestemming/terugkomen")
        assert page.goto("/mijn-zaak").url.endswith("/toestemming/sessie-verlopen")
        _look(page, f"session-ended-{lang}")
        assert [e for e in errors if "Content Security Policy" in e] == []
    finally:
        context.close()


def test_the_bewindvoerder_acts_for_her_and_the_caseworker_answers(browser, live_server, live_app):
    reset_throttle(live_app)
    scenario = _scenario_a(live_app)
    rep_phone = f"06 1{uuid.uuid4().int % 10**7:07d}"  # a valid Dutch mobile number
    with live_app.app_context():
        sanne = find_user_by_email(db.session, "sanne@corporatie.example")
        case = db.session.get_one(Case, scenario["case_id"])
        mandates.record_mandate(
            db.session,
            staff_actor(sanne),
            case,
            mandates.MandateData(
                person_id=scenario["person_id"],
                kind="bewindvoerder",
                name="Bewindvoering Demostad",
                since=date(2026, 2, 1),
                evidence="C/16/000001 / FA RK 26-1",
                phone=rep_phone,
            ),
        )
        db.session.commit()
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    try:
        _sign_in(page, live_app, "nl", rep_phone, BIRTH)
        notice = page.locator(".kp-representing").inner_text()
        assert "U bent ingelogd als bewindvoerder" in notice
        page.get_by_label("Ik stel een vraag").check()
        page.get_by_label("Uw bericht").fill("Kan de incasso stoppen zolang de schuldhulp loopt?")
        page.get_by_role("button", name="Versturen").click()
        expect(page.locator(OWN_WORDS)).to_contain_text("geschreven door uw vertegenwoordiger")
        said = page.locator(OWN_WORDS).inner_text()
        assert "geschreven door uw vertegenwoordiger" in said and "Nog geen antwoord" in said
        _look(page, "representative-my-case")

        # The caseworker reads the question on the case page and answers it.
        staff = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="nl-NL")
        worker = staff.new_page()
        email, secret = new_staff(live_app, "corporatie")
        sign_in(worker, email, secret)
        worker.goto(f"/casussen/{scenario['case_id']}#huurder")
        section = worker.locator("#huurder")
        expect(section).to_contain_text("Kan de incasso stoppen")
        expect(section).to_contain_text(
            "geschreven door een wettelijk vertegenwoordiger", use_inner_text=True
        )
        expect(section).to_contain_text("Bewindvoering Demostad")
        section.get_by_role("link", name=re.compile("Vraag van .* beantwoorden")).first.click()
        worker.get_by_label("Uw antwoord aan de huurder").fill(
            "Ja. Wij stoppen de incasso zolang de schuldhulp loopt."
        )
        worker.get_by_role("button", name="Antwoord versturen").click()
        expect(worker.locator("#huurder")).to_contain_text("Wij stoppen de incasso")
        assert axe_violations(worker) == []
        worker.locator("#huurder").scroll_into_view_if_needed()
        folder = ROOT / "test-results" / FOLDER
        worker.locator("#huurder").screenshot(path=str(folder / "caseworker-tenant-section.png"))
        staff.close()

        page.reload()
        expect(page.locator(OWN_WORDS)).to_contain_text(
            "Wij stoppen de incasso", use_inner_text=True
        )
        _look(page, "representative-answered")
    finally:
        context.close()
