"""The tenant summary of the covenant on a phone: readable, accessible, right to left in Arabic."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations


def _fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("nl", "ltr", "Wie mag wat over u weten, en waarom?"),
        ("ar", "rtl", "من يحق له أن يعرف ماذا عنك، ولماذا؟"),
    ],
)
def test_tenant_summary_on_a_phone(page, lang, direction, heading):
    page.goto("/convenant/uitleg")
    if lang != "nl":
        page.get_by_role("link", name="العربية").click()
        page.wait_for_url("**/convenant/uitleg")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    expect(page.locator("h1")).to_have_text(heading)
    # Generated from the active demo covenant.
    assert page.get_by_text("Woonstichting Demostad").first.is_visible()
    assert _fits_the_screen(page)
    assert axe_violations(page) == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_home_links_to_the_tenant_summary(page):
    page.goto("/")
    page.get_by_role("link", name="Lees wie wat over u mag weten, en waarom").click()
    page.wait_for_url("**/convenant/uitleg")
    expect(page.locator("h1")).to_have_text("Wie mag wat over u weten, en waarom?")
