"""Early signalling in real Chromium on the demo: the corporation's ready list (a held-back
case with its missing step in words, an objection) and a report; the municipality picks a
signal up and records a contact attempt, and closes another as "Niet opgepakt: andere
reden" with its own reason; the corporation then reads only "Niet opgepakt door de
gemeente", never the reason."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from handover.earlysignal.models import EarlySignal
from handover.models import Referral
from handover.signalling.demo import TENANTS
from portal.db import utcnow
from portal.extensions import db
from portal.workdays import local_date
from tests.browser.conftest import (
    axe_violations,
    new_staff,
    reset_throttle,
    screenshots,
    sign_in,
)

#: The municipality's own reason: it must never reach the corporation.
REASON = "Meneer zit tijdelijk in het buitenland bij familie."
FOLDER = "signalling"


def _demo_case(session, bsn: str):
    from portal.cases.models import BlindIndex, Case, Person
    from portal.crypto.blind_index import blind_digest

    return session.scalars(
        select(Case)
        .join(Person, Person.case_id == Case.id)
        .join(BlindIndex, BlindIndex.person_id == Person.id)
        .where(BlindIndex.field == "bsn", BlindIndex.digest == blind_digest(session, "bsn", bsn))
    ).one()


def _demo_cases(app) -> dict[str, list[tuple[int, str]]]:
    """The demo's signalling cases by their story: (case id, reference)."""
    found: dict[str, list[tuple[int, str]]] = {}
    with app.app_context():
        for tenant in TENANTS:
            case = _demo_case(db.session, tenant.bsn)
            found.setdefault(tenant.story, []).append((case.id, case.reference))
    return found


def _signal_referral(app, case_id: int) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Referral.id)
            .join(EarlySignal, EarlySignal.referral_id == Referral.id)
            .where(Referral.case_id == case_id)
        ).one()


def _look(page, name: str) -> None:
    """Every page visited: no axe-core violations, no CSP errors, screenshots at 390 and
    1280 px."""
    assert axe_violations(page) == [], name
    assert [e for e in page.console_errors if "Content Security Policy" in e] == [], name
    screenshots(page, FOLDER, name)


def test_ready_list_report_and_the_municipalitys_outcome(browser, live_server, live_app):
    cases = _demo_cases(live_app)
    (_held_id, held_ref), (objected_id, objected_ref) = cases["held_back"][0], cases["objected"][0]
    (first_id, first_ref), (second_id, second_ref) = cases["ready"][:2]
    corp_email, corp_secret = new_staff(live_app, "corporatie")
    corp_again_email, corp_again_secret = new_staff(live_app, "corporatie")
    coach_email, coach_secret = new_staff(live_app, "schuldhulp")

    def new_page():
        page = browser.new_context(
            viewport={"width": 390, "height": 844}, base_url=live_server.url, locale="nl-NL"
        ).new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        return page

    # --- the corporation: the ready list, its tabs, and a report ------------------------------
    corp = new_page()
    reset_throttle(live_app)
    sign_in(corp, corp_email, corp_secret)
    corp.goto("/vroegsignalering")
    expect(corp.locator("h1")).to_have_text("Klaar om te melden")
    rows = corp.locator("#ready-rows").inner_text()
    assert first_ref in rows and second_ref in rows
    assert held_ref not in rows and objected_ref not in rows
    _look(corp, "ready")

    corp.get_by_role("link", name="Stap ontbreekt").click()
    held_row = corp.locator("tr", has=corp.get_by_role("link", name=held_ref)).inner_text()
    assert "Nog geen schriftelijke herinnering of aanmaning" in held_row
    assert "Nog geen herinnering die aanbiedt de gegevens door te geven" in held_row
    _look(corp, "missing")

    corp.get_by_role("link", name="Bezwaar gemaakt").click()
    expect(corp.locator("#ready-rows")).to_contain_text(objected_ref)
    _look(corp, "objected")
    corp.get_by_role("link", name=objected_ref).click()
    corp.wait_for_url(f"**/casussen/{objected_id}*")
    corp.wait_for_selector("#case-referrals")
    corp.wait_for_load_state("networkidle")
    expect(corp.locator("#vroegsignalering")).to_contain_text("Bezwaar van")
    _look(corp, "objected-case")

    corp.goto("/vroegsignalering")
    corp.get_by_label(f"Casus {first_ref} melden").check()
    corp.get_by_label(f"Casus {second_ref} melden").check()
    corp.get_by_role("button", name="Gekozen casussen melden").click()
    expect(corp.locator("main")).to_contain_text(
        "2 casussen gemeld aan de gemeente.", use_inner_text=True
    )
    rows = corp.locator("#ready-rows").inner_text()
    assert first_ref not in rows and second_ref not in rows
    _look(corp, "reported")
    corp.get_by_role("link", name="Al gemeld").click()
    expect(corp.locator("#ready-rows")).to_contain_text(first_ref)
    expect(corp.locator("#ready-rows")).to_contain_text(second_ref)
    corp.context.close()

    # --- the municipality: inbox, pick up, a contact attempt; the other one not picked up -----
    coach = new_page()
    reset_throttle(live_app)
    sign_in(coach, coach_email, coach_secret)
    coach.goto("/vroegsignalen")
    inbox = coach.locator("main").inner_text()
    assert first_ref in inbox and second_ref in inbox
    _look(coach, "inbox")

    coach.get_by_role("link", name=first_ref).click()
    coach.wait_for_url("**/vroegsignalen/*")
    _look(coach, "signal-new")
    coach.locator("#oppakken-form").get_by_role("button", name="Opslaan").click()
    expect(coach.locator("main")).to_contain_text("Opgeslagen.")
    today = local_date(utcnow()).isoformat()
    attempt = coach.locator("#contactpoging-form")
    attempt.get_by_label("Soort contactpoging").select_option(label="Telefoon")
    attempt.get_by_label("Nee").check()
    attempt.get_by_label("Datum").fill(today)
    attempt.get_by_label("Of kies het dagdeel").select_option(label="Ochtend (voor 12.00 uur)")
    attempt.get_by_role("button", name="Opslaan").click()
    expect(coach.locator("section[aria-labelledby='attempts-heading']")).to_contain_text(
        "Ochtend (voor 12.00 uur): Telefoon — niet bereikt"
    )
    # A signal that was picked up cannot be closed as "not picked up": not offered.
    offered = coach.locator("#uitkomst-form").get_by_label("Uitkomst").inner_text()
    assert "Vervolghulp en/of verwijzing financieel" in offered
    assert "Niet opgepakt" not in offered
    _look(coach, "signal-picked-up")

    coach.goto("/vroegsignalen")
    coach.get_by_role("link", name=second_ref).click()
    coach.wait_for_url("**/vroegsignalen/*")
    outcome = coach.locator("#uitkomst-form")
    outcome.get_by_label("Uitkomst").select_option(label="Niet opgepakt: andere reden")
    outcome.get_by_label("Reden (alleen voor de gemeente)").fill(REASON)
    outcome.get_by_role("button", name="Opslaan").click()
    expect(coach.locator("main")).to_contain_text("Opgeslagen.")
    closed = coach.locator("main").inner_text()
    assert "Opgeslagen." in closed
    assert "Niet opgepakt: andere reden" in closed and REASON in closed  # its own record
    _look(coach, "signal-not-picked-up")

    coach.goto("/vroegsignalen/monitor")
    _look(coach, "monitor")
    coach.context.close()

    # --- the corporation again: "Niet opgepakt door de gemeente", never the reason -------------
    corp = new_page()
    reset_throttle(live_app)
    sign_in(corp, corp_again_email, corp_again_secret)
    corp.goto(f"/casussen/{second_id}")
    corp.wait_for_selector("#case-referrals")  # the case page's panels come in with htmx
    corp.wait_for_load_state("networkidle")
    text = corp.locator("main").inner_text()
    assert "Niet opgepakt door de gemeente" in text
    assert "andere reden" not in text
    assert "buitenland" not in text and "familie" not in text and REASON not in text
    _look(corp, "case-not-picked-up")

    corp.goto(f"/overdrachten/{_signal_referral(live_app, second_id)}")
    text = corp.locator("main").inner_text()
    assert "Niet opgepakt door de gemeente" in text
    assert "andere reden" not in text
    assert "buitenland" not in text and "familie" not in text and REASON not in text
    assert REASON not in corp.content()
    _look(corp, "referral-not-picked-up")

    corp.goto(f"/overdrachten/{_signal_referral(live_app, first_id)}")
    text = corp.locator("main").inner_text()
    assert "Opgepakt door de gemeente" in text
    assert "niet bereikt" not in text and "Ochtend" not in text  # the attempts stay there
    _look(corp, "referral-picked-up")
    corp.context.close()
