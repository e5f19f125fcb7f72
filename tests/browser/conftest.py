"""Real Chromium (Debian's package) driven by Playwright against a live server on localhost."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import ROOT, create_app
from portal.demo import load_demo
from portal.extensions import db
from tests.conftest import make_test_config, migrate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'live.sqlite'}"
    migrate(url)
    app = create_app(make_test_config(url, tmp))
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules) in the page; return the violations.

    The caller waits for the page it means (a web-first expect after each click);
    waiting for its load here as well keeps axe off a document still being replaced.
    """
    page.wait_for_load_state("load")
    page.evaluate(Path(AXE).read_text())
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def reset_throttle(app) -> None:
    """Every browser test signs in from 127.0.0.1: start from a clean sign-in throttle."""
    from portal.extensions import limiter

    with app.app_context():
        limiter.reset()


def new_staff(app, org_slug: str, roles: tuple[str, ...] = ("caseworker",)) -> tuple[str, str]:
    """A fresh professional with TOTP enrolled in the live database: (e-mail, TOTP secret).

    A TOTP code works once per account, so each browser test signs in with its own account.
    """
    import uuid

    from sqlalchemy import select

    from portal.accounts import mfa
    from portal.accounts.models import Organisation, User, UserRole
    from portal.accounts.passwords import hash_password
    from portal.accounts.service import set_totp_secret
    from portal.db import utcnow
    from portal.demo import DEMO_PASSWORD

    email = f"b{uuid.uuid4().hex[:10]}@{org_slug}.example"
    secret = mfa.new_secret()
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        user = User(
            organisation=org,
            email=email,
            display_name=f"Browser {org_slug}",
            password_hash=hash_password(DEMO_PASSWORD),
        )
        user.role_rows = [UserRole(role=r) for r in roles]
        db.session.add(user)
        db.session.flush()
        set_totp_secret(user, secret, utcnow())
        db.session.commit()
    return email, secret


def sign_in(page, email: str, secret: str) -> None:
    """Sign in through the real pages: password, then the current TOTP code."""
    from portal.accounts import mfa
    from portal.db import utcnow
    from portal.demo import DEMO_PASSWORD

    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw app").fill(mfa.current_code(secret, utcnow()))
    page.get_by_role("button", name="Doorgaan").click()
    expect(page.locator("h1")).to_have_text("Mijn werk")


DESKTOP = {"width": 1280, "height": 900}


def screenshots(page, folder: str, name: str) -> None:
    """The page as a phone (390 px) and a desktop (1280 px) show it, written to the ignored
    ``test-results/<folder>/`` for a person to look at; the phone size stays on."""
    screens = ROOT / "test-results" / folder
    screens.mkdir(parents=True, exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=str(screens / f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(PHONE)
