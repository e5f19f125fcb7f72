"""Case meetings in Chromium, on the demo: the corporation plans a meeting, puts the Kramer
household's case on the agenda, invites the social district team and the tenant (in plain
words), registers a guest who must sign the confidentiality statement before the case shows;
then the life map on screen, the minutes and an agreement that appears in the district
team's Mijn werk; the tenant reads her invitation and says she comes. Axe at zero on every
page, screenshots at 390 and 1280 px."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consent import sms
from portal.workdays import local_today
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in
from tests.browser.test_nuisance_browser import kramer_case

TOPIC = "We praten over de klachten van de buren en over hulp voor u bij slapen en rust."
AGREED = "Het wijkteam belt meneer Kramer deze week voor een eerste gesprek thuis."


def test_a_case_meeting_from_agenda_to_mijn_werk_with_the_tenant(browser, live_server, live_app):
    import re

    _case_id, reference = kramer_case(live_app)
    owner_email, owner_secret = new_staff(live_app, "corporatie")
    team_email, team_secret = new_staff(live_app, "wijkteam")

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    host = new_page()
    reset_throttle(live_app)
    sign_in(host, owner_email, owner_secret)
    host.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Casusoverleg"
    ).click()
    expect(host.locator("h1")).to_have_text("Casusoverleg")
    assert axe_violations(host) == []
    screenshots(host, "meetings", "list")

    host.get_by_label("Datum").fill((local_today() + timedelta(days=5)).isoformat())
    host.get_by_label("Tijd").fill("10:30")
    host.get_by_label("Plaats").fill("Wijkcentrum De Linde, zaal 3")
    host.get_by_role("button", name="Overleg plannen").click()
    expect(host.locator("main")).to_contain_text("Het casusoverleg is gepland.")
    host.get_by_label("Casusnummer").fill(reference)
    host.get_by_role("button", name="Op de agenda zetten").click()
    expect(host.locator("h1")).to_contain_text(f"Bespreking casus {reference}")

    host.get_by_label("Partner", exact=True).select_option(label="Sociaal Wijkteam Demostad")
    host.get_by_role("button", name="Uitnodigen", exact=True).click()
    expect(host.locator("main")).to_contain_text("De partner is uitgenodigd.")
    host.get_by_label("Wat gaat u bespreken? (de huurder leest dit)").fill(TOPIC)
    host.get_by_role("button", name="Huurder uitnodigen").click()
    expect(host.locator("main")).to_contain_text("De huurder is uitgenodigd en ziet de uitnodiging")
    expect(host.locator(".kp-lifemap__chart")).to_be_visible()  # the life map on screen
    assert axe_violations(host) == []
    screenshots(host, "meetings", "item-with-life-map")

    host.get_by_role("link", name="Terug naar het overleg").click()
    host.get_by_label("Naam van de gast").fill("J. de Wit")
    host.get_by_label("Organisatie", exact=True).fill("OBS De Regenboog")
    host.get_by_role("button", name="Gast aanmelden").click()
    expect(host.locator("h1")).to_have_text("Geheimhoudingsverklaring")
    host.goto(host.url.rsplit("/gasten", 1)[0])
    host.get_by_role("link", name=f"Casus {reference}").click()
    expect(host.locator("main")).to_contain_text("Daarom toont het portaal nu geen gegevens")
    expect(host.locator(".kp-lifemap__chart")).to_have_count(0)
    assert axe_violations(host) == []
    screenshots(host, "meetings", "item-blocked-by-guest")

    host.get_by_role("link", name="Naar de gasten").click()
    host.get_by_role("link", name="Verklaring laten tekenen").click()
    host.get_by_role("button", name="Tekenen").click()
    expect(host.locator("main")).to_contain_text("De gast moet de verklaring eerst aanvinken.")
    host.get_by_label("Ik heb de verklaring gelezen en houd mij eraan").check()
    assert axe_violations(host) == []
    screenshots(host, "meetings", "statement")
    host.get_by_role("button", name="Tekenen").click()
    expect(host.locator("main")).to_contain_text("J. de Wit tekende de verklaring.")
    host.get_by_role("link", name=f"Casus {reference}").click()
    host.get_by_label("Verslag van deze bespreking").fill("Meneer Kramer was erbij en wil hulp.")
    host.get_by_role("button", name="Verslag opslaan").click()
    expect(host.locator("main")).to_contain_text("Het verslag is opgeslagen.")
    host.get_by_label("Wat is afgesproken?").fill(AGREED)
    host.get_by_label("Wie doet het?").select_option(label="Sociaal Wijkteam Demostad")
    host.get_by_label("Uiterlijk op").fill((local_today() + timedelta(days=7)).isoformat())
    host.get_by_role("button", name="Afspraak maken").click()
    expect(host.locator("main")).to_contain_text(
        "De afspraak staat nu in Mijn werk van de partner die hem uitvoert."
    )
    expect(host.locator("main")).to_contain_text(AGREED)
    assert axe_violations(host) == []
    screenshots(host, "meetings", "item-minutes-agreement")

    team = new_page()
    reset_throttle(live_app)
    sign_in(team, team_email, team_secret)
    group = team.locator("section", has_text="Afspraken uit een casusoverleg").first
    expect(group).to_be_visible()
    expect(group).to_contain_text(reference)
    assert axe_violations(team) == []
    screenshots(team, "meetings", "mijn-werk-district-team")
    group.get_by_role("link", name="Bekijken").first.click()  # the earliest deadline: ours
    expect(team.locator("main")).to_contain_text("Meneer Kramer was erbij en wil hulp.")

    tenant = new_page()
    reset_throttle(live_app)
    tenant.goto("/toestemming/terugkomen")
    tenant.get_by_label(re.compile("telefoonnummer|e-mailadres", re.I)).first.fill("06 48765432")
    tenant.get_by_role("button").first.click()
    tenant.wait_for_url("**/toestemming/code")
    code = re.search(r"\b(\d{6})\b", sms.sent_messages(live_app)[-1][1]).group(1)
    tenant.locator("#code").fill(code)
    tenant.locator("#day").fill("3")
    tenant.locator("#month").fill("9")
    tenant.locator("#year").fill("1979")
    tenant.locator("#code").press("Enter")
    tenant.wait_for_url(re.compile(r".*/(mijn-zaak|toestemming.*)$"))
    tenant.goto("/mijn-zaak")
    invitation = tenant.locator("section", has_text="Overleg over uw situatie")
    expect(invitation).to_contain_text(TOPIC)
    expect(invitation).to_contain_text("Wijkcentrum De Linde, zaal 3")
    assert axe_violations(tenant) == []
    screenshots(tenant, "meetings", "tenant-invitation")
    card = tenant.locator(".kp-card", has_text="zaal 3")
    card.get_by_role("button", name="Ja, ik kom").click()
    expect(tenant.locator("main")).to_contain_text("Dank u. De organisaties weten nu uw antwoord.")
    expect(tenant.locator(".kp-card", has_text="zaal 3")).to_contain_text("U komt")
    assert axe_violations(tenant) == []
