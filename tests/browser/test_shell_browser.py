"""The shell in real Chromium on a phone-sized screen: styled, accessible, right to left."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations


def test_home_is_styled_accessible_and_csp_clean(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Samen huisuitzetting voorkomen")
    # The NL Design System stylesheet is applied (not the browser's default serif font).
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "serif" not in font.split(",")[0].lower() or "sans" in font.lower()
    assert page.evaluate("() => typeof htmx") == "object"
    assert axe_violations(page) == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_language_switch_to_arabic_turns_page_right_to_left(page):
    page.goto("/")
    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert axe_violations(page) == []


def test_skip_link_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
