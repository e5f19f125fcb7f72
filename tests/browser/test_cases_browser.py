"""The corporation's caseworker signs in, opens the Scenario A case from the inbox and
records a contact attempt inline with htmx, in real Chromium; both pages pass axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.accounts import mfa
from portal.accounts.service import find_user_by_email, totp_secret
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.workdays import local_today
from tests.browser.conftest import axe_violations, screenshots

EMAIL = "sanne@corporatie.example"


@pytest.fixture(autouse=True)
def forget_used_codes(live_app):
    """Afterwards too: the sign-in tests use this account's current code as well."""
    yield
    with live_app.app_context():
        find_user_by_email(db.session, EMAIL).totp_last_step = None
        db.session.commit()


def sign_in(page, live_app, email: str) -> None:
    """The real two steps; the account's last used code is forgotten first, so a code
    another browser test used in this half minute does not count as replayed."""
    with live_app.app_context():
        user = find_user_by_email(db.session, email)
        user.totp_last_step = None
        db.session.commit()
        secret = totp_secret(user)
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw app").fill(mfa.current_code(secret, utcnow()))
    page.get_by_role("button", name="Doorgaan").click()
    expect(page.locator("h1")).to_have_text("Mijn werk")


def test_caseworker_records_a_contact_attempt_with_htmx(page, live_app):
    sign_in(page, live_app, EMAIL)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Casussen").click()
    expect(page.locator("h1")).to_have_text("Casussen")
    assert axe_violations(page) == []

    row = page.get_by_role("row").filter(has_text="E. Aydın")
    row.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("E. Aydın")
    expect(page.locator("#huishouden")).to_contain_text("Ja, minderjarig")
    expect(page.locator("#levenskaart svg[role=img]")).to_be_visible()
    assert axe_violations(page) == []

    # A section folds away and opens again (a native disclosure).
    letters = page.locator("#brieven")
    letters.get_by_role("heading", name="Brieven").click()
    expect(letters.locator(".kp-fold__body")).to_be_hidden()
    letters.get_by_role("heading", name="Brieven").click()
    expect(letters.locator(".kp-fold__body")).to_be_visible()

    # Marks this page: a full reload would lose it, an htmx swap keeps it.
    page.evaluate("() => { window.kpMarker = 'still here' }")
    section = page.locator("#contactpogingen")
    before = section.locator("tbody tr").count()
    section.get_by_role("link", name="Contactpoging vastleggen").click()  # opens in place
    form = section.locator("form")
    form.get_by_label("Datum").fill(str(local_today()))
    form.get_by_label("Brief").check()
    form.get_by_label("Niet bereikt").check()
    form.get_by_label("Korte notitie").fill("Brief met een afspraakvoorstel gestuurd.")
    form.get_by_role("button", name="Contactpoging opslaan").click()

    expect(section.get_by_role("status")).to_contain_text("De contactpoging is vastgelegd.")
    expect(page.locator("#contactpogingen table")).to_contain_text(
        "Brief met een afspraakvoorstel gestuurd."
    )
    # The timeline and the summary at the top were swapped out of band in the same answer.
    expect(page.locator("#tijdlijn")).to_contain_text("Brief met een afspraakvoorstel gestuurd.")
    expect(page.locator("#in-het-kort")).to_contain_text(f"{before + 1} contactpogingen")
    assert page.evaluate("() => window.kpMarker") == "still here"
    assert axe_violations(page) == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_search_by_bsn_on_a_phone(page, live_app):
    from portal.demo import SCENARIO_A_BSN

    sign_in(page, live_app, EMAIL)
    page.goto("/casussen")
    page.get_by_label("Zoek op casusnummer, BSN of postcode met huisnummer").fill(SCENARIO_A_BSN)
    page.get_by_role("button", name="Zoeken").click()
    results = page.locator("#inbox-results")
    expect(results).to_contain_text("1 casus gevonden.")
    expect(results).to_contain_text("E. Aydın")
    assert SCENARIO_A_BSN not in page.url
    assert axe_violations(page) == []


def test_the_other_case_pages_are_accessible(page, live_app):
    from sqlalchemy import select

    from portal.cases.models import Case

    sign_in(page, live_app, EMAIL)
    with live_app.app_context():
        case_id = db.session.scalars(select(Case.id).order_by(Case.id)).first()
    for url in (
        "/casussen/nieuw",
        "/casussen/import",
        f"/casussen/{case_id}/levenskaart",
        f"/casussen/{case_id}/financien",
        f"/casussen/{case_id}/gegevens",
        f"/casussen/{case_id}/huishouden/nieuw",
        f"/casussen/{case_id}/afspraken/nieuw",
    ):
        page.goto(url)
        assert axe_violations(page) == [], url
    page.goto(f"/casussen/{case_id}")
    screenshots(page, "cases", "case-page")
    # A form sent with mistakes: errors linked to their fields, still accessible.
    page.goto("/casussen/nieuw")
    page.get_by_label("BSN").fill("123")
    page.get_by_role("button", name="Casus openen").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert axe_violations(page) == []
    screenshots(page, "cases", "new-case-errors")
