"""Nuisance files in Chromium, on the demo: the corporation opens the Kramer household's
"Overlast" tab (who reported shows for it alone), records a report and an agreement inline
and marks the agreement kept; the social district team, involved by referral, reads the
reports without who made them. Axe at zero on every page, screenshots at 390 and 1280 px."""

from __future__ import annotations

from playwright.sync_api import expect

from handover.nuisance.demo import BSN
from portal.cases.models import Case, Person
from portal.crypto import blind_index
from portal.extensions import db
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in

WHAT = "Bonken op de muur en schreeuwen rond middernacht, twee avonden achter elkaar."
REPORTER = "H. Jansen (bovenbuurvrouw)"


def kramer_case(live_app) -> tuple[int, str]:
    """The demo's nuisance household: its case id and reference."""
    from sqlalchemy import select

    with live_app.app_context():
        digest = blind_index.blind_digest(db.session, "bsn", BSN)
        person = db.session.scalar(
            select(Person).where(Person.blind_indexes.any(field="bsn", digest=digest))
        )
        case = db.session.get(Case, person.case_id)
        return case.id, case.reference


def test_the_corporation_keeps_the_file_and_the_district_team_reads_it(
    browser, live_server, live_app
):
    case_id, _reference = kramer_case(live_app)
    owner_email, owner_secret = new_staff(live_app, "corporatie")
    team_email, team_secret = new_staff(live_app, "wijkteam")

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    owner = new_page()
    reset_throttle(live_app)
    sign_in(owner, owner_email, owner_secret)
    owner.goto(f"/casussen/{case_id}")
    owner.get_by_role("navigation", name="Over deze casus").get_by_role(
        "link", name="Overlast"
    ).click()
    expect(owner.locator("h1")).to_contain_text("Overlast")
    expect(owner.locator("main")).to_contain_text(REPORTER)  # the owner sees who reported
    expect(owner.locator("main")).to_contain_text("Niet nagekomen")
    assert axe_violations(owner) == []
    screenshots(owner, "nuisance", "file-owner")

    owner.get_by_text("Melding vastleggen", exact=True).first.click()
    owner.get_by_label("Soort overlast").select_option(label="Geluid")
    owner.get_by_label("Buren", exact=True).check()
    owner.get_by_label("Wat is er gebeurd?").fill(WHAT)
    owner.get_by_label("Naam van de melder (als die bekend is)").fill("Familie Öztürk")
    owner.get_by_role("button", name="Melding vastleggen").click()
    expect(owner.locator("main")).to_contain_text("De melding is vastgelegd.")
    expect(owner.locator("main")).to_contain_text(WHAT)
    assert axe_violations(owner) == []

    owner.get_by_text("Afspraak met de huurder vastleggen", exact=True).click()
    owner.get_by_label("Wat is afgesproken?").fill("Geen harde geluiden na 22.00 uur.")
    owner.get_by_role("button", name="Afspraak vastleggen").click()
    expect(owner.locator("main")).to_contain_text("De afspraak is vastgelegd.")
    agreement = owner.locator("li", has_text="Geen harde geluiden na 22.00 uur.")
    agreement.get_by_role("button", name="Nagekomen", exact=True).click()
    expect(owner.locator("main")).to_contain_text("Afspraak nagekomen.")
    assert axe_violations(owner) == []
    screenshots(owner, "nuisance", "file-after-changes")

    team = new_page()
    reset_throttle(live_app)
    sign_in(team, team_email, team_secret)
    team.goto(f"/casussen/{case_id}/overlast")
    expect(team.locator("main")).to_contain_text(WHAT)
    expect(team.locator("main")).not_to_contain_text(REPORTER)
    expect(team.locator("main")).not_to_contain_text("Familie Öztürk")
    expect(team.get_by_role("button", name="Melding vastleggen")).to_have_count(0)
    assert axe_violations(team) == []
    screenshots(team, "nuisance", "file-district-team")
