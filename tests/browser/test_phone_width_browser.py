"""Every page of the demo on a phone (390 px), in real Chromium: nothing wider than the screen
(the page's scrollWidth), and axe-core without violations; as a caseworker of the corporation
and of the debt coach. The pages come from the URL map (a new route is covered without being
listed), each endpoint once, with the ids of the demo's own rows."""

from __future__ import annotations

import itertools

import pytest
from flask import url_for

from portal.extensions import db
from tests.browser.conftest import PHONE, axe_violations, new_staff, reset_throttle, sign_in
from tests.test_words_not_codes import FIXED, _values

#: Endpoints that are not pages for a person: downloads, fragments for htmx polling, API.
NOT_PAGES = (
    "static",
    "healthz",
    ".json",
    ".pdf",
    ".csv",
    ".toml",
    "_pdf",
    "_json",
    "_csv",
    "export",
    "scan",
    "source",
    "bron",
    "uitloggen",
    "inloggen",
)


def _one_url_per_endpoint(app) -> list[str]:
    urls = []
    with app.app_context():
        session = db.session
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.rule.startswith("/api/"):
                continue
            if any(part in rule.endpoint or part in rule.rule for part in NOT_PAGES):
                continue
            names = sorted(rule.arguments)
            choices = [(_values(session, n) if n not in FIXED else FIXED[n]) for n in names]
            if any(not c for c in choices):
                continue
            combo = next(itertools.product(*choices))
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **dict(zip(names, combo, strict=True))))
    return urls


@pytest.mark.parametrize("org", ["corporatie", "schuldhulp"])
def test_every_page_fits_a_phone(browser, live_server, live_app, org):
    reset_throttle(live_app)
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    try:
        email, secret = new_staff(live_app, org)
        sign_in(page, email, secret)
        wide, failing = {}, {}
        checked = 0
        for url in _one_url_per_endpoint(live_app):
            response = page.goto(url)
            if response is None or response.status != 200:
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            if page.url.split("?")[0] != live_server.url + url.split("?")[0]:
                continue  # redirected elsewhere (a step of sign-in that is done already)
            checked += 1
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > PHONE["width"] + 1:
                wide[url] = width
            if violations := axe_violations(page):
                failing[url] = violations
        assert checked >= 15, f"only {checked} pages reached"
        assert not wide, f"wider than {PHONE['width']} px: {wide}"
        assert not failing, f"axe-core violations: {failing}"
    finally:
        context.close()
