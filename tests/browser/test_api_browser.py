"""A partner system, end to end: the corporation's admin registers it on the page (the
secret shown once), the system (written with ``requests``, as a partner would) gets a token,
posts a signal and reads its referrals; the admin switches it off and its token stops at
once. The admin page and the API reference page pass axe-core, with screenshots."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from portal.workdays import local_today
from tests.browser.conftest import axe_violations, new_staff, reset_throttle, screenshots, sign_in

FOLDER = "api"


def _look(page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert [e for e in page.console_errors if "Content Security Policy" in e] == [], name
    screenshots(page, FOLDER, name)


def test_register_a_system_use_it_and_switch_it_off(browser, live_server, live_app):
    email, secret = new_staff(live_app, "corporatie", ("org_admin",))
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, locale="nl-NL"
    ).new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    reset_throttle(live_app)
    sign_in(page, email, secret)
    page.get_by_role("link", name="Koppelingen met uw systemen").click()
    expect(page.locator("h1")).to_have_text("Koppelingen met uw systemen")
    _look(page, "clients-empty")

    # A form sent without a choice is refused in words, and nothing is registered.
    page.get_by_label("Naam van het systeem").fill("Huuradministratie")
    page.get_by_role("button", name="Registreren").click()
    expect(page.locator("main")).to_contain_text("Kies wat het systeem mag.")

    page.get_by_label("Signalen aanleveren (het maandbestand)").check()
    page.get_by_label("Overdrachten aan onze organisatie lezen, met hun pakket").check()
    page.get_by_role("button", name="Registreren").click()
    client_id = page.locator("dt:has-text('Client-ID') + dd code").inner_text()
    client_secret = page.locator("#client-secret").inner_text()
    assert client_id.startswith("kp-") and len(client_secret) >= 40
    _look(page, "clients-created")

    # The partner's system, with a plain HTTP library.
    base = live_server.url
    answer = requests.post(
        f"{base}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "maand-2026-12-1"}
    today = local_today()
    signal = {
        "bsn": "999990019",
        "initials": "P.",
        "surname": "Koppeltest",
        "birth_date": "1975-03-14",
        "street": "Proefstraat",
        "house_number": "8",
        "postcode": "1234 AB",
        "city": "Demostad",
        "arrears_cents": 98_000,
        "arrears_since": today.replace(day=1).isoformat(),
        "signal_date": today.isoformat(),
    }
    posted = requests.post(
        f"{base}/api/v1/signals", json={"signals": [signal]}, headers=headers, timeout=60
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["items"][0]["case_reference"].startswith("KP-")
    again = requests.post(
        f"{base}/api/v1/signals", json={"signals": [signal]}, headers=headers, timeout=60
    )
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == posted.json()
    listed = requests.get(f"{base}/api/v1/referrals", headers=headers, timeout=60)
    assert listed.status_code == 200 and listed.json()["items"] == []  # none addressed to it
    refused = requests.post(
        f"{base}/api/v1/referrals/1/accept", json={"version": 1}, headers=headers, timeout=60
    )
    assert refused.status_code == 403  # not granted: referrals:write
    assert refused.headers["Content-Type"].startswith("application/problem+json")

    # The admin switches it off: the token stops at once.
    page.get_by_role("button", name=re.compile(r"^Uitzetten\W+Huuradministratie$")).click()
    expect(page.locator("main")).to_contain_text("Het systeem is uitgezet.")
    gone = requests.get(f"{base}/api/v1/referrals", headers=headers, timeout=60)
    assert gone.status_code == 401
    _look(page, "clients-revoked")

    page.goto("/api/v1/docs")
    expect(page.locator("h1")).to_contain_text("Ketenportaal API")
    expect(page.locator("main")).to_contain_text("POST /api/v1/signals")
    _look(page, "reference")
    page.context.close()
