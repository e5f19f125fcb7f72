"""The shelter hand-over in Chromium, on the demo's approved eviction of the Verbeek family:
the corporation finds the bailiff step blocked with the reason, the shelter point ticks its
checklist from Mijn werk, and then the corporation records the bailiff's assignment. Axe at
zero on every page, screenshots at 390 and 1280 px."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from handover.shelter.models import ShelterHandover
from portal.extensions import db
from portal.workdays import local_today
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in


def _demo_handover(app) -> tuple[int, int, str]:
    with app.app_context():
        handover = db.session.scalar(select(ShelterHandover).order_by(ShelterHandover.id))
        assert handover is not None, "the demo holds an approved eviction with a hand-over"
        return handover.id, handover.decision_id, handover.case.reference


def test_the_bailiff_waits_until_the_shelter_point_is_ready(browser, live_server, live_app):
    _handover_id, decision_id, reference = _demo_handover(live_app)
    corporation_email, corporation_secret = new_staff(live_app, "corporatie")
    shelter_email, shelter_secret = new_staff(live_app, "opvang")

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    corporation = new_page()
    reset_throttle(live_app)
    sign_in(corporation, corporation_email, corporation_secret)
    expect(corporation.locator("main")).to_contain_text("Opvang na ontruiming nog niet voorbereid")
    corporation.goto(f"/besluiten/{decision_id}")
    bailiff = corporation.locator("#decision-bailiff")
    expect(bailiff).to_contain_text("Nog niet mogelijk")
    expect(bailiff).to_contain_text("Er wonen minderjarigen in dit huishouden")
    expect(bailiff).to_contain_text("school van de kinderen ingelicht")
    expect(
        corporation.get_by_role("button", name="Opdracht aan de deurwaarder vastleggen")
    ).to_have_count(0)
    assert axe_violations(corporation) == []
    bailiff.scroll_into_view_if_needed()
    screenshots(corporation, "shelter", "decision-bailiff-blocked")
    corporation.get_by_role("link", name="Naar de opvang na ontruiming").click()
    expect(corporation.locator("h1")).to_contain_text("Opvang na ontruiming")
    expect(corporation.locator("#checklist")).to_contain_text("Nog niet gedaan")
    expect(corporation.locator("main")).not_to_contain_text("Gezinsopvang De Linde")  # not theirs
    assert axe_violations(corporation) == []
    screenshots(corporation, "shelter", "handover-as-corporation")

    shelter = new_page()
    reset_throttle(live_app)
    sign_in(shelter, shelter_email, shelter_secret)
    work = shelter.locator("section", has_text="Opvang voorbereiden vóór de ontruiming").last
    expect(work).to_contain_text(reference)
    assert axe_violations(shelter) == []
    screenshots(shelter, "shelter", "mijn-werk")
    work.get_by_role("link", name=f"Voorbereiden — {reference}").click()
    expect(shelter.locator("h1")).to_contain_text(reference)
    expect(shelter.locator("main")).to_contain_text("Gezinsopvang De Linde")  # its own note
    expect(shelter.locator("main")).to_contain_text("Verbeek")  # the package: who
    assert axe_violations(shelter) == []
    screenshots(shelter, "shelter", "handover-to-prepare")
    shelter.get_by_role("button", name="Afvinken: school van de kinderen ingelicht").click()
    expect(shelter.locator("main")).to_contain_text("School van de kinderen ingelicht: afgevinkt.")
    shelter.get_by_role("button", name="Afvinken: zorg voor de kinderen ingelicht").click()
    expect(shelter.locator("main")).to_contain_text("De opvang is voorbereid")
    assert axe_violations(shelter) == []
    screenshots(shelter, "shelter", "handover-ready")

    corporation.goto(f"/besluiten/{decision_id}")
    expect(corporation.locator("#decision-bailiff")).not_to_contain_text("Nog niet mogelijk")
    corporation.get_by_label("Opdracht gegeven op").fill(local_today().isoformat())
    corporation.get_by_role("button", name="Opdracht aan de deurwaarder vastleggen").click()
    expect(corporation.locator("main")).to_contain_text("Opdracht gegeven op")
    assert axe_violations(corporation) == []
    screenshots(corporation, "shelter", "decision-bailiff-recorded")
