"""Scenario B end to end in Chromium, on the demo: the debt coach returned the Visser household
after three failed attempts, and the covenant offered it to welfare by itself; the corporation
sees where it went, welfare accepts and finds everything gathered so far (the coach's attempts,
its check of the arrears, why it came back), then reaches the tenant on a house visit: that
contact attempt is the referral's first contact."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from handover.models import Referral
from portal.extensions import db
from portal.workdays import local_today
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in


def test_returned_referral_goes_to_welfare_with_everything(browser, live_server, live_app):
    with live_app.app_context():
        returned = db.session.scalar(
            select(Referral).where(Referral.status == "escalated").order_by(Referral.id)
        )
        referral_id, reference = returned.id, returned.case.reference
        accepted_id = db.session.scalar(
            select(Referral.id).where(Referral.previous_id == referral_id)
        )
    corp_email, corp_secret = new_staff(live_app, "corporatie")
    welfare_email, welfare_secret = new_staff(live_app, "welzijn")

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    corp = new_page()
    reset_throttle(live_app)
    sign_in(corp, corp_email, corp_secret)
    corp.goto(f"/overdrachten/{referral_id}")
    main = corp.locator("main")
    expect(main).to_contain_text("Drie keer geprobeerd, geen contact.")  # the coach's reason
    expect(main).to_contain_text("Doorgezet naar volgende stap")  # by the covenant itself
    expect(main.get_by_role("link", name="aangeboden aan Welzijn Demostad")).to_be_visible()
    expect(main).not_to_contain_text("Aanbieden aan de volgende partner")
    assert axe_violations(corp) == []
    screenshots(corp, "scenario-b", "corporation-returned-and-offered-on")

    welfare = new_page()
    reset_throttle(live_app)
    sign_in(welfare, welfare_email, welfare_secret)
    welfare.goto("/overdrachten")
    welfare.get_by_role("link", name=reference).click()
    welfare.get_by_role("button", name="Accepteren").click()
    intake = welfare.locator("main")
    expect(intake).to_contain_text("Niemand thuis; kaartje achtergelaten.")  # the coach's attempt
    expect(intake).to_contain_text("Drie keer geprobeerd, geen contact.")  # why it came back
    expect(welfare.locator("section", has_text="Intake")).to_contain_text("Klopt volgens")
    assert axe_violations(welfare) == []
    screenshots(welfare, "scenario-b", "welfare-accepted")

    # The house visit with the corporation's caseworker: recorded once, as a contact attempt.
    welfare.get_by_role("link", name="Contactpoging vastleggen").click()
    form = welfare.locator("main form")
    form.get_by_label("Datum").fill(str(local_today()))
    form.get_by_label("Huisbezoek").check()
    form.get_by_label("Bereikt", exact=True).check()
    form.get_by_label("Korte notitie").fill("Samen met de corporatie op huisbezoek.")
    form.get_by_role("button", name="Contactpoging opslaan").click()
    expect(welfare.get_by_role("status").first).to_contain_text("De contactpoging is vastgelegd.")
    screenshots(welfare, "scenario-b", "welfare-case-after-visit")
    welfare.goto(f"/overdrachten/{accepted_id}")
    expect(welfare.locator("main")).to_contain_text("Eerste contact gelegd")
    expect(welfare.get_by_role("link", name="de contactpoging bij de casus")).to_be_visible()
    assert axe_violations(welfare) == []
    screenshots(welfare, "scenario-b", "welfare-first-contact")
    corp.goto(f"/overdrachten/{accepted_id}")
    expect(corp.locator("main")).to_contain_text("Eerste contact gelegd")
    screenshots(corp, "scenario-b", "corporation-sees-first-contact")
    for page in (corp, welfare):
        page.context.close()
