"""A trajectory's conditions in Chromium, on the demo's last-chance trajectory (the Mol
household): the budget coach reviews its condition from Mijn werk and records a breach, the
corporation records the trajectory's end, and the steering page counts it. Axe at zero on
every page, screenshots at 390 and 1280 px."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from handover.conditions.models import TrajectoryCondition
from portal.extensions import db
from portal.workdays import local_today
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in

BREACH = "Weer een afspraak met de budgetcoach gemist; meneer was niet thuis."
END = "Drie keer de afspraken niet nagekomen, ondanks de waarschuwingen."


def _demo_trajectory(app) -> tuple[int, str]:
    with app.app_context():
        condition = db.session.scalar(select(TrajectoryCondition).order_by(TrajectoryCondition.id))
        assert condition is not None, "the demo holds a trajectory with conditions"
        return condition.trajectory_id, condition.case.reference


def test_a_breach_from_mijn_werk_the_end_and_the_steering_figures(browser, live_server, live_app):
    trajectory_id, reference = _demo_trajectory(live_app)
    coach_email, coach_secret = new_staff(live_app, "schuldhulp")
    owner_email, owner_secret = new_staff(live_app, "corporatie")
    admin_email, admin_secret = new_staff(live_app, "corporatie", ("covenant_admin",))

    def new_page():
        return browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()

    coach = new_page()
    reset_throttle(live_app)
    sign_in(coach, coach_email, coach_secret)
    work = coach.locator("section", has_text="Voorwaarden van een traject toetsen").last
    expect(work).to_contain_text(reference)
    assert axe_violations(coach) == []
    screenshots(coach, "conditions", "mijn-werk")
    work.get_by_role("link", name=f"Toetsen — {reference}").click()
    expect(coach.locator("h1")).to_contain_text("Voorwaarde toetsen")
    expect(coach.locator("main")).to_contain_text("Budgetcoach")  # the condition, with consent
    assert axe_violations(coach) == []
    screenshots(coach, "conditions", "review-form")
    coach.get_by_label("Niet nagekomen").check()
    coach.get_by_role("button", name="Toetsing vastleggen").click()  # a breach needs words
    expect(coach.locator("main")).to_contain_text("Schrijf wat er is gebeurd")
    assert axe_violations(coach) == []
    coach.get_by_label("Wat er is gebeurd").fill(BREACH)
    coach.get_by_role("button", name="Toetsing vastleggen").click()
    expect(coach.locator("main")).to_contain_text("De toetsing is vastgelegd.")
    expect(coach.locator("main")).to_contain_text(BREACH)
    assert axe_violations(coach) == []
    screenshots(coach, "conditions", "trajectory-as-coach")

    owner = new_page()
    reset_throttle(live_app)
    sign_in(owner, owner_email, owner_secret)
    owner.goto(f"/trajecten/{trajectory_id}")
    expect(owner.locator("#breaches-heading")).to_be_visible()
    expect(owner.locator("main")).to_contain_text(BREACH)
    owner.get_by_label("Verbroken: de voorwaarden zijn niet nagekomen").check()
    owner.get_by_label("Datum van het einde").fill(local_today().isoformat())
    owner.get_by_label("Motivering").fill(END)
    owner.get_by_role("button", name="Einde vastleggen").click()
    expect(owner.locator("main")).to_contain_text("Het einde van het traject is vastgelegd.")
    expect(owner.locator("#end")).to_contain_text(END)
    expect(owner.get_by_role("button", name="Einde vastleggen")).to_have_count(0)  # once
    assert axe_violations(owner) == []
    screenshots(owner, "conditions", "trajectory-ended")

    admin = new_page()
    reset_throttle(live_app)
    sign_in(admin, admin_email, admin_secret)
    admin.goto("/sturing")
    yearly = admin.locator("section", has_text="Besluiten en ontruimingen per jaar").last
    expect(yearly).to_contain_text("Trajecten verbroken")
    expect(yearly).to_contain_text("Trajecten goed afgerond")
    expect(yearly).to_contain_text("verborgen")  # one trajectory broken: a small cell, hidden
    assert axe_violations(admin) == []
    screenshots(admin, "conditions", "steering")
