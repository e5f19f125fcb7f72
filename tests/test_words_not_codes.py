"""Words, not codes: every page of the demo, as every demo account and as the demo tenant,
shows no raw value (``None``, a basis code such as ``statutory:wgs_help`` or ``consent:3``, a
GDPR reference code, an empty ``{}``, an unfilled ``%(`` placeholder) and no plural that the
catalogue should have made ("1 dagen", "1 maanden").

The pages are found by walking the URL map (a new route is covered without being listed) with
the ids of the demo's own rows; only the text a person reads is judged (tags, attributes,
scripts and styles are left out)."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import utcnow

#: What a person must never read on a page.
RAW = {
    "None": re.compile(r"(?<![\w-])None(?![\w-])"),
    "a basis code": re.compile(r"\b(?:statutory|consent|owner|data_subject):\w+|\bgdpr-\d"),
    "a bare code word": re.compile(
        r"(?<![\w-])(?:owner|data_subject|wgs_help|wgs_signal)(?![\w-])"
    ),
    "an empty {}": re.compile(r"\{\}"),
    "an unfilled placeholder": re.compile(r"%\(|%s\b"),
    "a wrong plural": re.compile(r"(?<!\d)1 (?:dagen|maanden|werkdagen|weken|jaren)\b"),
}

#: Arguments the walk fills from the demo's rows: the table each comes from (at most a few).
ARGUMENT_TABLES = {
    "case_id": "case_file",
    "person_id": "person",
    "referral_id": "referral",
    "decision_id": "decision",
    "record_id": "consent_record",
    "request_id": "consent_request",
    "event_id": "consent_event",
    "ack_id": "consent_acknowledgement",
    "job_id": "import_job",
    "signal_id": "early_signal",
    "client_id": "api_client",
    "meeting_id": "case_meeting",
    "agenda_id": "meeting_item",
    "guest_id": "meeting_guest",
    "agreement_id": "meeting_agreement",
    "investigation_id": "fraud_investigation",
    "handover_id": "shelter_handover",
    "trajectory_id": "decision_trajectory",
    "condition_id": "trajectory_condition",
}
FIXED = {
    "section": ["household"],
    "number": [1],
    "lang": ["nl"],
    "token": ["x"],
    "slug": ["corporatie"],
    "version": [1],
}
PER_ARGUMENT = 4


class _Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _values(session, argument: str) -> list:
    from sqlalchemy import text

    if argument in FIXED:
        return FIXED[argument]
    table = ARGUMENT_TABLES.get(argument)
    if table is None:
        return []
    rows = session.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
    if argument == "case_id":
        return list(rows)  # every demo case: each tells another story
    return list(rows[:PER_ARGUMENT])


def demo_urls(app, session) -> list[str]:
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.rule.startswith("/api/"):
            continue  # JSON for computers: codes are its words
        names = sorted(rule.arguments)
        choices = [_values(session, n) for n in names]
        if any(not c for c in choices):
            continue
        for combo in itertools.product(*choices):
            with app.test_request_context():
                found.append(url_for(rule.endpoint, **dict(zip(names, combo, strict=True))))
    return found


def problems(text: str) -> dict[str, str]:
    found = {}
    for what, pattern in RAW.items():
        if match := pattern.search(text):
            around = text[max(0, match.start() - 40) : match.end() + 40]
            found[what] = " ".join(around.split())
    return found


@pytest.fixture
def demo(app, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    return session


def _walk(browser_for, urls) -> dict[str, dict[str, str]]:
    bad = {}
    for url in urls:
        client = browser_for()
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        if found := problems(visible_text(response.get_data(as_text=True))):
            bad[url] = found
    return bad


def test_no_page_of_the_demo_shows_a_raw_value(app, demo, login, new_browser):
    urls = demo_urls(app, demo)
    assert len(urls) > 100, "the walk reaches the demo's pages"
    bad = {}
    for user in demo.scalars(select(User).order_by(User.id)):
        for url, found in _walk(lambda user=user: login(new_browser(), user), urls).items():
            bad[f"{user.email} {url}"] = found
    assert not bad, f"raw values on pages: {bad}"


def test_no_tenant_page_shows_a_raw_value(app, demo, new_browser):
    from consent import tenant
    from portal.cases.models import Person

    urls = demo_urls(app, demo)
    person = demo.scalars(select(Person).where(Person.is_main_tenant.is_(True))).first()

    def tenant_browser():
        browser = new_browser()
        browser.get("/")
        now = int(utcnow().timestamp())
        with browser.session_transaction() as sess:
            sess[tenant.TENANT_KEY] = {"pids": [person.id], "at": now, "seen": now}
        return browser

    bad = _walk(tenant_browser, urls)
    assert not bad, f"raw values on the tenant's pages: {bad}"


def test_the_check_finds_what_it_looks_for():
    page = "<p>BSN None</p><p>Grondslag: statutory:wgs_help</p><p>nog 1 dagen</p><p>{}</p>"
    assert set(problems(visible_text(page))) == {
        "None",
        "a basis code",
        "a bare code word",
        "a wrong plural",
        "an empty {}",
    }
    assert problems(visible_text('<a href="/x?a=None" data-x="{}">Nog 2 dagen</a>')) == {}


@pytest.fixture
def new_browser(app, session):
    from tests.conftest import Client

    app.test_client_class = Client
    return app.test_client
