"""Scenario C in real Chromium: the corporation opens an eviction decision, confirms the
prevention checklist, every partner votes, and the outcome is sealed with its PDF."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from handover.decisions.models import Decision
from portal.accounts import mfa
from portal.accounts.models import Organisation
from portal.accounts.service import find_user_by_email, totp_secret
from portal.actor import Actor
from portal.cases.service import PersonData, create_case
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from tests.browser.conftest import PHONE, axe_violations, screenshots

WHY = {
    "sanne@corporatie.example": ("Onthouding", "Wij onthouden ons als eisende partij."),
    "marieke@crisisteam.example": ("Oneens", "Met begeleid wonen heeft het gezin een kans."),
    "daan@zorg.example": ("Oneens", "De kinderen hebben een stabiele plek nodig."),
}


def _case(app) -> int:
    with app.app_context():
        corporation = db.session.scalar(
            select(Organisation).where(Organisation.slug == "corporatie")
        )
        case = create_case(
            db.session,
            Actor.system("test"),
            corporation,
            [
                PersonData(surname="Browser", initials="B.", is_main_tenant=True),
                PersonData(surname="Browser", initials="C.", birth_date=date(2015, 1, 1),
                           minor=True),
            ],
            signal_kinds=("arrears", "nuisance"),
            arrears_cents=250_000,
        )  # fmt: skip
        db.session.commit()
        return case.id


def _sign_in(browser, live_server, app, email: str):
    with app.app_context():
        user = find_user_by_email(db.session, email)
        user.totp_last_step = None  # in case another browser test used this step's code
        db.session.commit()
        code = mfa.current_code(totp_secret(user), utcnow())
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw app").fill(code)
    page.get_by_role("button", name="Doorgaan").click()
    page.wait_for_url("**/mijn-werk")
    with app.app_context():  # leave the code usable for the other browser tests
        find_user_by_email(db.session, email).totp_last_step = None
        db.session.commit()
    return context, page


def test_scenario_c_from_opening_to_sealed_outcome(browser, live_server, live_app):
    case_id = _case(live_app)
    context, page = _sign_in(browser, live_server, live_app, "sanne@corporatie.example")
    page.goto(f"/casussen/{case_id}/besluiten/nieuw")
    page.get_by_label("Soort besluit").select_option("eviction")
    page.get_by_label("Huurachterstand").check()
    page.get_by_label("Overlast").check()
    page.get_by_label("Vonnis verkregen").check()
    page.get_by_label("Datum van het vonnis").fill("2026-10-01")
    page.get_by_label("Waarom dit besluit nu?").fill("De achterstand loopt op na de regeling.")
    screenshots(page, "decisions", "new")
    page.get_by_role("button", name="Besluit openen").click()
    page.wait_for_url("**/besluiten/*")
    expect(page.locator("h1")).to_contain_text("Ontruiming")
    assert axe_violations(page) == []

    # Confirm every step with htmx: the checklist updates in place.
    steps = page.locator("#decision-checklist form[action*='/preventie/']")
    total = steps.count()
    for n in range(total):
        form = page.locator("#decision-checklist form[action*='/preventie/']").nth(n)
        form.get_by_label("Motivering").fill(f"Stap {n + 1}: gedaan en vastgelegd in het dossier.")
        form.get_by_role("button", name="Stap bevestigen").click()
        page.wait_for_function(
            f"() => document.querySelectorAll('#decision-checklist h3 .utrecht-status-badge--neutral').length >= {n + 1}"  # noqa: E501
        )
    expect(page.locator("#decision-checklist")).to_contain_text(
        "Alle stappen zijn bevestigd.", use_inner_text=True
    )
    # The alternative: a last-chance trajectory of two years.
    trajectory = page.locator("form[action$='/traject']")
    page.get_by_text("Traject voorbereiden").click()
    trajectory.get_by_label("Traject").select_option("last_chance")
    trajectory.get_by_label("Duur in maanden").fill("24")
    trajectory.get_by_label("Voorwaarden").fill("Huur op tijd betalen en geen overlast.")
    trajectory.get_by_label("Afspraken over hulp").fill("Begeleid wonen en een budgetcoach.")
    trajectory.get_by_role("button", name="Traject opslaan").click()
    page.wait_for_selector("#decision-checklist dd:has-text('Begeleid wonen en een budgetcoach.')")
    # Talk with people, not about them: how the tenant was heard, before the vote.
    hearing = page.locator("form[action$='/gehoord']")
    hearing.get_by_label("In een gesprek, met de huurder of de vertegenwoordiger").check()
    hearing.get_by_label("Hoe ging dat?").fill("Huisbezoek op 2 november; zij wil blijven.")
    hearing.get_by_role("button", name="Opslaan").click()
    page.wait_for_selector("#decision-checklist dd:has-text('Huisbezoek op 2 november')")
    page.get_by_role("button", name="Stemming openen").click()
    page.wait_for_selector("text=Stemming open")
    decision_url = page.url.split("#")[0]
    assert axe_violations(page) == []
    screenshots(page, "decisions", "voting-open")
    context.close()

    for email, (position, why) in WHY.items():
        context, page = _sign_in(browser, live_server, live_app, email)
        page.goto(decision_url)
        vote = page.locator("form[action$='/stem']")
        vote.get_by_label(position, exact=True).check()
        vote.get_by_label("Motivering").fill(why)
        vote.get_by_role("button", name="Stem uitbrengen").click()
        page.wait_for_selector(f"#decision-vote td:has-text('{why}')")
        assert axe_violations(page) == []
        assert [e for e in page.console_errors if "Content Security Policy" in e] == []
        if email != "daan@zorg.example":
            context.close()

    # The last vote decided it: the status at the top followed out of band, no reload.
    expect(page.locator("#decision-status")).to_contain_text("Besloten en verzegeld")
    expect(page.locator("#decision-status")).not_to_contain_text("Stemmen kan")
    outcome = page.locator("#decision-outcome").inner_text()
    assert "Afgewezen: Ontruiming." in outcome and "Laatstekanstraject, 24 maanden" in outcome
    assert "Zegel klopt" in outcome
    with live_app.app_context():
        decision = db.session.get(Decision, int(decision_url.rsplit("/", 1)[1]))
        assert decision.status == "decided" and decision.seal_hash in outcome
    page.reload()
    assert axe_violations(page) == []
    screenshots(page, "decisions", "decided")
    with page.expect_download() as download:
        page.get_by_role("link", name="Besluit als PDF (voor het dossier en de rechter)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()
