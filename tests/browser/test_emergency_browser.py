"""Emergency access in Chromium, on the demo: the crisis team opens the Bakker household's
case by its address (nobody referred it), sees it, and ends the access; the corporation's
privacy officer finds it in Mijn werk and records the verdict. Axe at zero on every page,
screenshots at 390 and 1280 px."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in

WHY = "Buurvrouw hoort al een uur hulpgeroep; de huurder doet niet open en neemt niet op."


def test_the_crisis_team_opens_a_case_and_the_privacy_officer_reviews(
    browser, live_server, live_app
):
    team_email, team_secret = new_staff(live_app, "crisisteam")
    officer_email, officer_secret = new_staff(live_app, "corporatie", ("auditor",))

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    team = new_page()
    reset_throttle(live_app)
    sign_in(team, team_email, team_secret)
    team.get_by_role("link", name="Noodtoegang: alleen als iemand in acuut gevaar is").click()
    expect(team.locator("h1")).to_have_text("Noodtoegang")
    assert axe_violations(team) == []
    screenshots(team, "emergency", "open-form")

    team.get_by_role("button", name="Noodtoegang openen").click()  # nothing filled in
    expect(team.get_by_role("alert").first).to_be_visible()
    expect(team.locator("main")).to_contain_text(
        "Vul het BSN in, of de postcode en het huisnummer."
    )
    assert axe_violations(team) == []

    team.get_by_label("Postcode").fill("1234 AE")
    team.get_by_label("Huisnummer").fill("21")
    team.get_by_label("Levensgevaar voor de huurder of een huisgenoot").check()
    team.get_by_label("Wat is er aan de hand?").fill(WHY)
    team.get_by_label("Ik begrijp dat de eigenaar van de casus").check()
    team.get_by_role("button", name="Noodtoegang openen").click()
    expect(team.locator("main")).to_contain_text("Noodtoegang geopend tot")
    expect(team.locator("main")).to_contain_text("Bakker")  # the case itself, by its name
    assert axe_violations(team) == []
    screenshots(team, "emergency", "case-under-emergency-access")

    officer = new_page()
    reset_throttle(live_app)
    sign_in(officer, officer_email, officer_secret)
    work = officer.locator("section", has_text="Noodtoegang toetsen").first
    expect(work).to_be_visible()
    officer.goto("/noodtoegang/toetsing")
    expect(officer.locator("h1")).to_have_text("Noodtoegang toetsen")
    assert axe_violations(officer) == []
    screenshots(officer, "emergency", "review-list")
    officer.locator("tbody tr").first.get_by_role("link").click()
    expect(officer.locator("main")).to_contain_text(WHY)
    expect(officer.locator("main")).to_contain_text("Gegevens bekeken")  # the team's look
    assert axe_violations(officer) == []
    officer.get_by_label("Terecht gebruikt", exact=True).check()
    officer.get_by_label("Toelichting").fill("Terecht: er was geen tijd voor een overdracht.")
    officer.get_by_role("button", name="Oordeel vastleggen").click()
    expect(officer.locator("main")).to_contain_text("Uw oordeel is vastgelegd.")
    assert axe_violations(officer) == []
    screenshots(officer, "emergency", "reviewed")

    team.goto("/noodtoegang")
    team.get_by_role("button", name="Nu beëindigen").click()
    expect(team.locator("main")).to_contain_text("De noodtoegang is beëindigd.")
    expect(team.locator("main")).to_contain_text("Terecht gebruikt")
    assert axe_violations(team) == []
    screenshots(team, "emergency", "ended")
