"""A demo account signs in with password and TOTP on a phone, in real Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.accounts import mfa
from portal.accounts.service import find_user_by_email, totp_secret
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from tests.browser.conftest import axe_violations


def _code(app, email: str) -> str:
    with app.app_context():
        secret = totp_secret(find_user_by_email(db.session, email))
    return mfa.current_code(secret, utcnow())


def test_demo_account_signs_in_with_password_and_totp(page, live_app):
    email = "sanne@corporatie.example"
    page.goto("/")
    page.get_by_role("link", name="Inloggen voor ketenpartners").first.click()
    expect(page.locator("h1")).to_have_text("Inloggen voor ketenpartners")
    assert axe_violations(page) == []

    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator("h1")).to_have_text("Code uit uw app")
    assert page.get_by_label("Code uit uw app").get_attribute("autocomplete") == "one-time-code"
    assert axe_violations(page) == []

    page.get_by_label("Code uit uw app").fill(_code(live_app, email))
    page.get_by_role("button", name="Doorgaan").click()
    expect(page.locator("h1")).to_have_text("Mijn werk")
    expect(page.locator("main")).to_contain_text("Woonstichting Demostad")
    assert axe_violations(page) == []
    # Signing out from the menu ends the session.
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.locator("h1")).to_have_text("Inloggen voor ketenpartners")
    page.goto("/mijn-werk")
    expect(page.locator("h1")).to_have_text("Inloggen voor ketenpartners")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_wrong_password_shows_an_accessible_error(page):
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill("ahmet@schuldhulp.example")
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("klopt niet")
    assert axe_violations(page) == []


def test_mfa_enrolment_page_is_accessible(page, live_app):
    """A demo account without an app yet (reset in the database) sees the QR set-up page."""
    email = "fatima@welzijn.example"
    with live_app.app_context():
        user = find_user_by_email(db.session, email)
        user.totp_secret = None
        db.session.commit()
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator("h1")).to_have_text("App voor inlogcodes instellen")
    assert page.locator("img.kp-qr").evaluate("img => img.naturalWidth") > 100
    assert axe_violations(page) == []
    manual = page.locator("#manual-key").inner_text().replace(" ", "")
    page.get_by_label("Code uit uw app").fill(mfa.current_code(manual, utcnow()))
    page.get_by_role("button", name="App bevestigen").click()
    expect(page.locator("h1")).to_have_text("Uw herstelcodes")
    assert page.locator(".kp-codes li").count() == 10
    assert axe_violations(page) == []
