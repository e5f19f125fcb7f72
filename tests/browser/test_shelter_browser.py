"""The shelter hand-over in Chromium, on the demo's approved eviction of the Verbeek family:
the corporation finds the bailiff step blocked with the reason, the shelter point ticks its
checklist from Mijn werk, and then the corporation records the bailiff's assignment. And on a
second family's approved eviction: the shelter point must accept before it ticks, it declines,
the corporation reads why and refers the family again, and the new referral runs to the end.
Axe at zero on every page, screenshots at 390 and 1280 px."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from handover.shelter import service
from handover.shelter.models import ShelterHandover
from portal.accounts.models import User
from portal.actor import staff_actor
from portal.cases.service import PersonData, create_case
from portal.extensions import db
from portal.workdays import local_today
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in
from tests.decisions.conftest import PARTNERS
from tests.shelter.conftest import approve

DECLINE = "Geen gezinskamer vrij voor deze datum; bel ons voor een andere regio."


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
    expect(bailiff).to_contain_text("School van de kinderen ingelicht")
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
    shelter.get_by_role("button", name="Afvinken: Zorg voor de kinderen ingelicht").click()
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


def _another_family(app, emails: dict[str, str]) -> tuple[int, int, str]:
    """A second family's eviction, approved by the partners' caseworkers (``emails``): the
    hand-over has just been sent to the shelter point."""
    with app.app_context():
        people = {}
        for slug in PARTNERS:
            user = db.session.scalar(select(User).where(User.email == emails[slug]))
            people[slug] = (user, staff_actor(user))
        owner = people["corporatie"]
        case = create_case(
            db.session,
            owner[1],
            owner[0].organisation,
            [
                PersonData(surname="Bakker", initials="R.", birth_date=date(1990, 2, 14),
                           street="Lindelaan", house_number="8", postcode="1234 GH",
                           city="Demostad", is_main_tenant=True),
                PersonData(surname="Bakker", initials="L.", birth_date=date(2017, 6, 1),
                           relation="child", minor=True),
            ],
            signal_kinds=("arrears",),
            arrears_cents=512_000,
        )  # fmt: skip
        decision = approve(db.session, people, case)
        handover = service.of_decision(db.session, decision.id)
        assert handover is not None
        db.session.commit()
        return handover.id, decision.id, case.reference


def test_a_declined_hand_over_is_referred_again(browser, live_server, live_app):
    staff = {slug: new_staff(live_app, slug) for slug in (*PARTNERS, "opvang")}
    handover_id, decision_id, reference = _another_family(
        live_app, {slug: email for slug, (email, _secret) in staff.items()}
    )

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    # The shelter point cannot tick before it accepted the referral: the page says so.
    shelter = new_page()
    reset_throttle(live_app)
    sign_in(shelter, *staff["opvang"])
    shelter.goto(f"/opvang/{handover_id}")
    expect(shelter.locator("#accept-first")).to_contain_text("Accepteer eerst de overdracht")
    expect(shelter.get_by_role("button", name="Afvinken: Opvang geregeld")).to_have_count(0)
    assert axe_violations(shelter) == []
    screenshots(shelter, "shelter", "handover-accept-first")
    shelter.get_by_role("link", name="Naar de overdracht om die te accepteren").click()
    expect(shelter.get_by_role("button", name="Accepteren")).to_be_visible()
    shelter.get_by_label("Reden").fill(DECLINE)
    shelter.get_by_role("button", name="Afwijzen").click()
    expect(shelter.locator("main")).to_contain_text("Opgeslagen.")
    expect(shelter.get_by_role("button", name="Accepteren")).to_have_count(0)

    # The corporation: Mijn werk, the decision page and the hand-over say it was declined.
    corporation = new_page()
    reset_throttle(live_app)
    sign_in(corporation, *staff["corporatie"])
    work = corporation.locator("section", has_text="Opvang na ontruiming nog niet voorbereid").last
    expect(work).to_contain_text("Het meldpunt opvang heeft de overdracht afgewezen")
    corporation.goto(f"/besluiten/{decision_id}")
    bailiff = corporation.locator("#decision-bailiff")
    expect(bailiff).to_contain_text("Nog niet mogelijk")
    expect(bailiff).to_contain_text("heeft de overdracht afgewezen")
    expect(bailiff).to_contain_text(DECLINE)
    assert axe_violations(corporation) == []
    bailiff.scroll_into_view_if_needed()
    screenshots(corporation, "shelter", "decision-bailiff-declined")
    bailiff.get_by_role("link", name="Opnieuw aanmelden bij de opvang").click()
    expect(corporation.locator("#lapsed")).to_contain_text("heeft de overdracht afgewezen")
    expect(corporation.locator("#lapsed")).to_contain_text(DECLINE)
    assert axe_violations(corporation) == []
    screenshots(corporation, "shelter", "handover-declined")
    corporation.get_by_label("Toelichting voor het meldpunt (niet verplicht)").fill(
        "Gebeld: er komt volgende week een gezinskamer vrij."
    )
    corporation.get_by_role("button", name="Opnieuw aanmelden bij de opvang").click()
    expect(corporation.locator("main")).to_contain_text("Het gezin is opnieuw aangemeld bij")
    expect(corporation.locator("main")).to_contain_text("nog niet geaccepteerd")
    expect(corporation.locator("#refer-again")).to_have_count(0)
    assert axe_violations(corporation) == []
    screenshots(corporation, "shelter", "handover-referred-again")

    # The new referral is in the shelter point's inbox: accepted, ticked, ready.
    shelter.goto("/overdrachten")
    shelter.get_by_role("link", name=reference).click()
    shelter.get_by_role("button", name="Accepteren").click()
    expect(shelter.get_by_role("button", name="Accepteren")).to_have_count(0)
    shelter.goto(f"/opvang/{handover_id}")
    expect(shelter.locator("h1")).to_contain_text(reference)
    shelter.get_by_label("Waar en vanaf wanneer").fill("Gezinshuis Noord, kamer 2, vanaf de 14e")
    shelter.get_by_role("button", name="Afvinken: Opvang geregeld").click()
    expect(shelter.locator("main")).to_contain_text("Opvang geregeld: afgevinkt.")
    shelter.get_by_role("button", name="Afvinken: school van de kinderen ingelicht").click()
    expect(shelter.locator("main")).to_contain_text("School van de kinderen ingelicht: afgevinkt.")
    shelter.get_by_role("button", name="Afvinken: Zorg voor de kinderen ingelicht").click()
    expect(shelter.locator("main")).to_contain_text("De opvang is voorbereid")
    assert axe_violations(shelter) == []

    corporation.goto(f"/besluiten/{decision_id}")
    expect(
        corporation.get_by_role("button", name="Opdracht aan de deurwaarder vastleggen")
    ).to_be_visible()
    expect(corporation.locator("#decision-bailiff")).not_to_contain_text("Nog niet mogelijk")
