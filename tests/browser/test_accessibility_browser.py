"""The accessibility statement in Chromium: reached from the footer with the keyboard, in
Dutch and in Arabic (right to left), with no axe-core violations, at 320, 390 and 1280 px."""

from __future__ import annotations

from playwright.sync_api import expect

from portal import ROOT
from tests.browser.conftest import axe_violations, screenshots

FOLDER = "accessibility"


def test_the_statement_from_the_footer(browser, live_server):
    page = browser.new_context(
        viewport={"width": 320, "height": 800}, base_url=live_server.url, locale="nl-NL"
    ).new_page()
    page.goto("/")
    link = page.get_by_role("link", name="Toegankelijkheid")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/toegankelijkheid")
    expect(page.locator("h1")).to_have_text("Toegankelijkheidsverklaring")
    # 320 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    folder = ROOT / "test-results" / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "statement-nl-320.png"), full_page=True)
    assert axe_violations(page) == []
    screenshots(page, FOLDER, "statement-nl")
    page.goto("/taal/ar?next=/toegankelijkheid")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert axe_violations(page) == []
    screenshots(page, FOLDER, "statement-ar")
    page.context.close()
