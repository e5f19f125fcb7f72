"""The auditor's log and the statistics page in real Chromium on a desktop screen:
usable without errors, accessible (axe: WCAG 2.1 A and AA), no CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.accounts import mfa
from portal.accounts.service import find_user_by_email, totp_secret
from portal.actor import staff_actor
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from tests.browser.conftest import axe_violations, screenshots

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def activity(live_app):
    """Cases at the debt-help partner, looked at by its caseworker; one erased."""
    from portal import sharing
    from portal.cases.service import create_case, shred_case
    from tests.conftest import SYSTEM, main_tenant

    with live_app.app_context():
        session = db.session
        coach = find_user_by_email(session, "ahmet@schuldhulp.example")
        actor = staff_actor(coach, request_id="browser-test", client_addr="127.0.0.0/24")
        references = []
        for n, bsn in enumerate(("111222333", "123456782", "100000009")):
            case = create_case(
                session,
                actor,
                coach.organisation,
                [main_tenant(bsn=bsn)],
                signal_kinds=["arrears", "nuisance"] if n else ["arrears"],
            )
            sharing.reveal(session, actor, case, {case.persons[0]: ["surname", "phone"]})
            references.append(case.reference)
        shred_case(session, SYSTEM, case)
        session.commit()
    return references


@pytest.fixture
def desktop(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def sign_in(page, app, email: str) -> None:
    from portal.extensions import limiter

    with app.app_context():
        user = find_user_by_email(db.session, email)
        user.totp_last_step = None  # another test here used this half minute's code
        db.session.commit()
        secret = totp_secret(user)
        limiter.reset()  # the whole browser suite signs in from one address within a minute
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw app").fill(mfa.current_code(secret, utcnow()))
    page.get_by_role("button", name="Doorgaan").click()
    expect(page.locator("h1")).to_have_text("Mijn werk")


def test_auditor_searches_the_log(desktop, live_app, activity):
    page = desktop
    sign_in(page, live_app, "admin@schuldhulp.example")
    page.get_by_role("link", name="Logboek").click()
    expect(page.locator("h1")).to_have_text("Logboek")
    table = page.get_by_role("table", name="Gebeurtenissen, nieuwste eerst")
    assert table.is_visible()
    assert table.get_by_text("Gegevens bekeken").count() == 3
    assert axe_violations(page) == []

    page.get_by_label("Actie").select_option(label="Gegevens bekeken")
    page.get_by_label("Casusnummer").fill(activity[0])
    page.get_by_role("button", name="Zoeken").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)  # waits for the search's page; count() would not
    expect(rows.first).to_contain_text(activity[0])
    assert "Jansen" not in page.locator("main").inner_text()  # never personal data
    assert axe_violations(page) == []

    page.get_by_label("Casusnummer").fill("nonsense")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_label("Casusnummer")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Alle filters wissen").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporteren als CSV (alle resultaten)").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_statistics_page_shows_the_chart_and_its_table(desktop, live_app, activity):
    page = desktop
    sign_in(page, live_app, "admin@corporatie.example")
    page.get_by_role("link", name="Cijfers").click()
    expect(page.locator("h1")).to_have_text("Cijfers: casussen per maand")
    chart = page.get_by_role("img", name="Staafdiagram: casussen per maand, naar status")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.kp-chart__svg rect").count() >= 2  # open and erased this month
    table = page.get_by_role("table", name="Casussen per maand (de cijfers van de grafiek)")
    assert table.is_visible()
    total = table.locator("tfoot td").first.inner_text()
    assert int(total) >= 3  # the erased case still counts
    assert axe_violations(page) == []
    page.get_by_role("link", name="Laatste 24 maanden").click()
    expect(page.locator("tbody tr")).to_have_count(24)
    assert axe_violations(page) == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_steering_page_shows_the_chart_tables_and_hidden_small_counts(desktop, live_app):
    page = desktop
    sign_in(page, live_app, "admin@corporatie.example")
    page.get_by_role("link", name="Sturing").click()
    expect(page.locator("h1")).to_have_text("Sturing: hoe gaat het met het convenant?")
    expect(page.get_by_role("img", name="Staafdiagram: signalen per maand")).to_be_visible()
    referrals = page.get_by_role(
        "table", name="Overdrachten verstuurd in de periode, naar de partner die ze kreeg"
    )
    # The demo's few referrals are never shown as 1 or 2: an "x", read out as "verborgen".
    expect(referrals).to_contain_text("verborgen")
    assert axe_violations(page) == []
    page.get_by_label("Periode", exact=True).select_option(label="Laatste 24 maanden")
    page.get_by_label("Partner", exact=True).select_option(label="Welzijn Demostad")
    page.get_by_role("button", name="Toon").click()
    expect(page.locator("main")).to_contain_text("Cijfers waarin Welzijn Demostad partij is.")
    assert axe_violations(page) == []
    screenshots(page, "steering", "steering")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download als CSV").click()
    assert download.value.suggested_filename.startswith("stuurinformatie-")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
