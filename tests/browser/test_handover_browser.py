"""The first job end to end in Chromium: the corporation refers a case to the debt coach,
the coach accepts and finds the intake pre-filled, marks the arrears figure as verified,
reports "help started", and the corporation sees both."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from handover.models import Referral
from portal.accounts.models import Organisation
from portal.cases.service import create_case
from portal.extensions import db
from tests.browser.conftest import (
    axe_violations,
    new_staff,
    reset_throttle,
    screenshots,
    sign_in,
)
from tests.conftest import SYSTEM, main_tenant


def _case(app) -> tuple[int, str]:
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
        case = create_case(
            db.session,
            SYSTEM,
            org,
            [main_tenant(surname="Browsertest", bsn="123456782")],
            arrears_cents=98_765,
        )
        db.session.commit()
        return case.id, case.reference


def test_refer_accept_and_report_help_started(browser, live_server, live_app):
    case_id, reference = _case(live_app)
    corp_email, corp_secret = new_staff(live_app, "corporatie")
    coach_email, coach_secret = new_staff(live_app, "schuldhulp")

    errors: list[str] = []

    def new_page():
        page = browser.new_context(base_url=live_server.url, locale="nl-NL").new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        return page

    corp = new_page()
    reset_throttle(live_app)
    sign_in(corp, corp_email, corp_secret)
    # From the open case: "Overdragen", pick the purpose, "Versturen" (three clicks).
    corp.goto(f"/casussen/{case_id}")
    corp.locator(".kp-summary").get_by_role("link", name="Overdragen").click()
    corp.get_by_label("Doel").select_option(label="Schuldhulpverlening")
    corp.wait_for_load_state("networkidle")
    assert axe_violations(corp) == []
    screenshots(corp, "handover", "send")
    corp.get_by_label("Overdrachtsnotitie").fill("Huisbezoek gelukt, wil schuldhulp.")
    corp.get_by_role("button", name="Versturen").click()
    expect(corp.locator("main")).to_contain_text("De casus is overgedragen.")
    with live_app.app_context():
        sent = db.session.scalar(select(Referral).where(Referral.case_id == case_id))
        assert sent.purpose == "debt_help"

    coach = new_page()
    reset_throttle(live_app)
    sign_in(coach, coach_email, coach_secret)
    coach.goto("/overdrachten")
    assert axe_violations(coach) == []
    coach.get_by_role("link", name=reference).click()
    coach.get_by_role("button", name="Accepteren").click()
    expect(coach.get_by_role("button", name="Accepteren")).to_have_count(0)
    intake = coach.locator("main").inner_text()
    assert "Browsertest" in intake and "987,65" in intake  # nothing retyped
    assert "Huisbezoek gelukt, wil schuldhulp." in intake
    assert axe_violations(coach) == []
    arrears = coach.locator(f"#check-arrears-{case_id}")
    arrears.locator("summary").click()
    assert axe_violations(coach) == []
    screenshots(coach, "handover", "intake-check")
    arrears.get_by_label("Ja, dit klopt").check()
    arrears.get_by_role("button", name="Opslaan").click()
    expect(coach.locator(f"#check-arrears-{case_id}")).to_contain_text(
        "Klopt volgens", use_inner_text=True
    )
    coach.get_by_role("button", name="Hulp is gestart").click()
    expect(coach.locator("main")).to_contain_text("Hulp gestart")

    corp.goto("/overdrachten?weergave=verstuurd")
    expect(corp.locator("main")).to_contain_text(reference)
    expect(corp.locator("main")).to_contain_text("Hulp gestart")
    corp.get_by_role("link", name=reference).click()
    expect(corp.locator("main")).to_contain_text(
        "de incasso kan worden gepauzeerd", use_inner_text=True
    )
    expect(corp.locator(f"#check-arrears-{case_id}")).to_contain_text(
        "Klopt volgens", use_inner_text=True
    )
    screenshots(corp, "handover", "referral-sender")
    assert [e for e in errors if "Content Security Policy" in e] == []
    for page in (corp, coach):
        page.context.close()
