"""A housing-fraud investigation in Chromium, on the demo: the corporation opens one on the
Visser household's case, adds a house-visit report, uploads evidence (a real PDF; a file
named .pdf that is no PDF is refused with a clear message), the tenant's response and the
outcome, seals the court file and downloads it; the welfare partner the case was referred
to sees no tab and reaches none of it. Axe at zero on every page, screenshots at 390 and
1280 px."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfWriter
from sqlalchemy import select

from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in

#: The demo's Visser household (referred to welfare: the partner below sees the case).
BSN = "231456736"
GROUNDS = "Een buurman meldt dat er al maanden een ander gezin in de woning woont."


def _case_id(live_app) -> int:
    from portal.actor import Actor
    from portal.cases.service import find_cases_by_bsn
    from portal.extensions import db

    with live_app.app_context():
        cases = find_cases_by_bsn(db.session, Actor.system("test"), BSN)
        return next(c.id for c in cases if c.status != "closed")


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_investigation_to_a_sealed_court_file(browser, live_server, live_app):
    case_id = _case_id(live_app)
    owner_email, owner_secret = new_staff(live_app, "corporatie")
    partner_email, partner_secret = new_staff(live_app, "welzijn")

    def new_page():
        context = browser.new_context(
            base_url=live_server.url, locale="nl-NL", accept_downloads=True
        )
        return context.new_page()

    owner = new_page()
    reset_throttle(live_app)
    sign_in(owner, owner_email, owner_secret)
    owner.goto(f"/casussen/{case_id}")
    owner.get_by_role("navigation", name="Over deze casus").get_by_role(
        "link", name="Woonfraude"
    ).click()
    expect(owner.locator("h1")).to_have_text("Woonfraude")
    assert axe_violations(owner) == []
    screenshots(owner, "fraud", "tab-start")

    owner.get_by_label("Onderhuur: de huurder verhuurt de woning aan een ander").check()
    owner.get_by_label("Aanleiding").fill(GROUNDS)
    owner.get_by_role("button", name="Onderzoek starten").click()
    expect(owner.locator("main")).to_contain_text("Het woonfraudeonderzoek is geopend.")
    expect(owner.locator("h1")).to_have_text("Woonfraudeonderzoek")
    expect(owner.locator("main")).to_contain_text(GROUNDS)
    assert axe_violations(owner) == []

    # A house-visit report.
    owner.get_by_text("Bevinding, huisbezoek of reactie van de huurder toevoegen").click()
    owner.get_by_label("Verslag van een huisbezoek").check()
    owner.get_by_label("Wie gingen op huisbezoek?").fill("S. de Vries, M. Koster")
    owner.get_by_label("Wat is er gevonden, gezien of gezegd?").fill(
        "Mevrouw R. Pietersen deed open; zij woont er met haar zoon en betaalt contant."
    )
    owner.get_by_role("button", name="Toevoegen aan het verloop").click()
    expect(owner.locator("main")).to_contain_text("Verslag van een huisbezoek is vastgelegd.")
    expect(owner.locator("#verloop")).to_be_visible()
    expect(owner.locator("main")).to_contain_text("S. de Vries, M. Koster")

    # Evidence: a file named .pdf that is no PDF is refused, a real one is kept.
    owner.get_by_text("Bewijsstuk toevoegen").click()
    owner.get_by_label("Bestand").set_input_files(
        files=[{"name": "bewijs.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90 geen pdf"}]
    )
    owner.get_by_role("button", name="Bijlage toevoegen").click()
    expect(owner.get_by_role("alert").first).to_be_visible()
    expect(owner.locator("main")).to_contain_text("Dit bestand is geen PDF, JPEG of PNG.")
    assert axe_violations(owner) == []
    screenshots(owner, "fraud", "upload-refused")
    letter = _pdf()
    owner.get_by_label("Bestand").set_input_files(
        files=[{"name": "energie.pdf", "mimeType": "application/pdf", "buffer": letter}]
    )
    owner.get_by_label("Omschrijving (niet verplicht)").fill("Jaaroverzicht van de energie.")
    owner.get_by_role("button", name="Bijlage toevoegen").click()
    expect(owner.locator("main")).to_contain_text("De bijlage is toegevoegd.")
    expect(owner.get_by_role("link", name="energie.pdf")).to_be_visible()

    # The tenant's response and the outcome.
    owner.get_by_text("Bevinding, huisbezoek of reactie van de huurder toevoegen").click()
    owner.get_by_label("Reactie van de huurder").check()
    owner.get_by_label("Wat is er gevonden, gezien of gezegd?").fill(
        "De huurder zegt dat het een kennis is die tijdelijk oppast."
    )
    owner.get_by_role("button", name="Toevoegen aan het verloop").click()
    expect(owner.locator("main")).to_contain_text("Reactie van de huurder is vastgelegd.")
    owner.get_by_label("Gerechtelijke procedure").check()
    owner.get_by_label("Motivering").fill("Onderhuur aangetoond; de huurder zegt niet op.")
    owner.get_by_role("button", name="Uitkomst vastleggen").click()
    expect(owner.locator("main")).to_contain_text("Het onderzoek is afgesloten.")
    assert axe_violations(owner) == []

    # The court file: sealed, then downloaded and checked against its hash.
    owner.get_by_role("button", name="Dossier samenstellen en verzegelen").click()
    expect(owner.locator("main")).to_contain_text("Versie 1 van het dossier is samengesteld")
    expect(owner.locator("#dossier").locator("..")).to_contain_text("Zegel intact, actueel")
    assert axe_violations(owner) == []
    screenshots(owner, "fraud", "investigation-sealed")
    shown_hash = owner.locator("#dossier ~ .kp-card code").nth(1).inner_text()
    with owner.expect_download() as caught:
        owner.get_by_role("link", name="Dossier versie 1 downloaden (PDF)").click()
    download = caught.value
    assert download.suggested_filename.startswith("woonfraude-dossier-KP-")
    assert "Visser" not in download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == shown_hash

    # The partner the case was referred to: no tab, and every page is "not found".
    partner = new_page()
    reset_throttle(live_app)
    sign_in(partner, partner_email, partner_secret)
    partner.goto(f"/casussen/{case_id}")
    expect(partner.get_by_role("navigation", name="Over deze casus")).to_be_visible()
    expect(
        partner.get_by_role("navigation", name="Over deze casus").get_by_role(
            "link", name="Woonfraude"
        )
    ).to_have_count(0)
    fraud_page = owner.url.split("#")[0].removeprefix(live_server.url)
    for url in (
        f"/casussen/{case_id}/woonfraude",
        fraud_page,
        f"{fraud_page}/dossier/versie-1.pdf",
    ):
        answer = partner.goto(url) if not url.endswith(".pdf") else partner.request.get(url)
        assert answer is not None and answer.status == 404, url
    assert axe_violations(partner) == []
    screenshots(partner, "fraud", "partner-not-found")


def test_the_demo_holds_a_sealed_court_file(browser, live_server, live_app):
    from handover.fraud.demo import BSN as DEMO_BSN
    from handover.fraud.models import FraudInvestigation
    from portal.actor import Actor
    from portal.cases.service import find_cases_by_bsn
    from portal.extensions import db

    with live_app.app_context():
        (case,) = find_cases_by_bsn(db.session, Actor.system("test"), DEMO_BSN)
        found = db.session.scalars(
            select(FraudInvestigation).where(FraudInvestigation.case_id == case.id)
        ).one()
        url = f"/casussen/{case.id}/woonfraude/{found.id}"
    email, secret = new_staff(live_app, "corporatie")
    page = browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()
    reset_throttle(live_app)
    sign_in(page, email, secret)
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Woonfraudeonderzoek")
    for text in ("Verslag van een huisbezoek", "brievenbus.png", "jaaroverzicht-energie.pdf",
                 "Reactie van de huurder", "Gerechtelijke procedure", "Pietersen",
                 "Zegel intact, actueel"):  # fmt: skip
        expect(page.locator("main")).to_contain_text(text)
    expect(page.get_by_role("link", name="Doorverwezen naar")).to_be_visible()
    assert axe_violations(page) == []
    screenshots(page, "fraud", "demo-investigation")
