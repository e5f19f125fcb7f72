"""The municipality's pages through the real app: the inbox's order, words and pages, and
every step from a form, with bad input refused in words and nothing changed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from handover.earlysignal import views
from handover.earlysignal.models import EarlySignal, SignalContactAttempt
from portal.db import utcnow
from portal.workdays import add_working_days, local_date
from tests.conftest import Client


@pytest.fixture
def coach(app, session, people, login):
    app.test_client_class = Client
    return login(app.test_client(), people["schuldhulp"][0])


def post(client, url: str, action: str, data: dict[str, str]):
    """A step's form as the page posts it (its fields and CSRF token carry the prefix)."""
    token = client.csrf_token()
    return client.post(f"{url}/{action}", data={f"{action}-csrf_token": token, **data})


def _version(html: str, action: str) -> str:
    match = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', html)
    assert match, f"no {action} form"
    return match.group(1)


def test_deadline_in_words(app):
    today = date(2027, 4, 23)  # a Friday; King's Day is Tuesday the 27th
    with app.test_request_context(), force_locale("nl"):
        assert views.deadline_words(today, today) == "vandaag"
        assert views.deadline_words(date(2027, 4, 26), today) == "nog 1 werkdag"
        assert views.deadline_words(date(2027, 4, 29), today) == "nog 3 werkdagen"
        assert views.deadline_words(date(2027, 4, 22), today) == "1 dag te laat"
        assert views.deadline_words(date(2027, 4, 20), today) == "3 dagen te laat"


def test_inbox_shows_crisis_and_warm_handovers_first_then_by_deadline(session, coach, send_signal):
    now = utcnow()
    plain_late = send_signal(now=now - timedelta(days=20))
    plain_new = send_signal(now=now)
    crisis = send_signal(crisis=True, now=now)
    warm = send_signal(warm=True, now=now - timedelta(days=1))
    session.commit()
    html = coach.get("/vroegsignalen").get_data(as_text=True)
    # Crisis signals and warm handovers first, each group by its deadline.
    order = [html.index(s.referral.case.reference) for s in (crisis, warm, plain_late, plain_new)]
    assert order == sorted(order)
    assert "Crisissignaal" in html and "Warme overdracht" in html
    due = add_working_days(local_date(now), 3)
    assert crisis.conversation_due_on == due
    assert "nog 3 werkdagen" in html


def test_inbox_pages_by_keyset_and_ignores_bad_cursors(session, coach, send_signal):
    views.PAGE_SIZE, saved = 2, views.PAGE_SIZE
    try:
        signals = [send_signal(now=utcnow() - timedelta(days=n)) for n in range(5)]
        session.commit()
        seen: list[str] = []
        url = "/vroegsignalen"
        while url:
            html = coach.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
            seen += [
                s.referral.case.reference for s in signals if s.referral.case.reference in html
            ]
            match = re.search(r'href="(/vroegsignalen\?na=[^"]+)"', html)
            url = match.group(1).replace("&amp;", "&") if match else ""
        assert len(seen) == len(set(seen)) == 5
        for bad in ("x", "1-99999999-1", "0-20270101-99999999999", "1-2027-1", "9-20270101-1"):
            assert coach.get(f"/vroegsignalen?na={bad}").status_code == 200
    finally:
        views.PAGE_SIZE = saved


def test_work_a_signal_through_its_page(session, coach, send_signal):
    signal = send_signal(now=utcnow())
    session.commit()
    url = f"/vroegsignalen/{signal.referral_id}"
    page = coach.get(url).get_data(as_text=True)
    assert 'value="not_picked_up_other"' in page  # not picked up yet: every outcome
    assert "Nodig bij" in page and "Niet verplicht" not in page
    today = local_date(utcnow()).isoformat()
    response = post(
        coach, url, "contactpoging",
        {"contactpoging-kind": "card", "contactpoging-reached": "no",
         "contactpoging-attempted_on": today, "contactpoging-at": "19:15"},
    )  # fmt: skip
    assert response.status_code == 302
    page = coach.get(url).get_data(as_text=True)
    assert "Kaartje door de deur" in page and "Avond" in page
    # The attempt picked it up: the "not picked up" outcomes are no longer offered.
    assert 'value="not_picked_up_other"' not in page and 'value="no_contact"' in page
    # ... nor does the reason's hint still speak of them.
    assert "andere reden" not in page and "Niet verplicht" in page
    response = post(
        coach, url, "uitkomst",
        {"uitkomst-outcome": "no_contact", "uitkomst-reason": "",
         "uitkomst-version": _version(page, "uitkomst")},
    )  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    assert session.get(EarlySignal, signal.id).outcome == "no_contact"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("uitkomst", {"uitkomst-outcome": "made_up", "uitkomst-version": "1"}),
        ("uitkomst", {"uitkomst-outcome": "", "uitkomst-version": "1"}),
        ("uitkomst", {"uitkomst-outcome": "not_picked_up_other", "uitkomst-reason": "",
                      "uitkomst-version": "1"}),
        ("uitkomst", {"uitkomst-outcome": "no_contact", "uitkomst-outcome_on": "1-1-1",
                      "uitkomst-version": "1"}),
        ("uitkomst", {"uitkomst-outcome": "no_contact", "uitkomst-outcome_on": "9999-12-31",
                      "uitkomst-version": "1"}),
        ("uitkomst", {"uitkomst-outcome": "no_contact", "uitkomst-version": "99999999999999"}),
        ("contactpoging", {"contactpoging-kind": "pigeon", "contactpoging-reached": "no",
                           "contactpoging-attempted_on": "2027-03-01",
                           "contactpoging-day_part": "morning"}),
        ("contactpoging", {"contactpoging-kind": "phone", "contactpoging-reached": "maybe",
                           "contactpoging-attempted_on": "2027-03-01",
                           "contactpoging-day_part": "morning"}),
        ("contactpoging", {"contactpoging-kind": "phone", "contactpoging-reached": "no",
                           "contactpoging-attempted_on": "2027-03-01"}),
        ("contactpoging", {"contactpoging-kind": "phone", "contactpoging-reached": "no",
                           "contactpoging-attempted_on": "1800-01-01",
                           "contactpoging-day_part": "morning"}),
        ("contactpoging", {"contactpoging-kind": "phone", "contactpoging-reached": "no",
                           "contactpoging-attempted_on": "2027-03-01",
                           "contactpoging-at": "25:99"}),
        ("schuldhulp", {"schuldhulp-purpose": "debt_help", "schuldhulp-recipient": "99999999999",
                        "schuldhulp-version": "1"}),
        ("oppakken", {"oppakken-picked_up_on": "2999-01-01", "oppakken-version": "1"}),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_words_and_changes_nothing(
    session, coach, send_signal, action, data
):
    signal = send_signal(now=utcnow() - timedelta(days=2))
    session.commit()
    response = post(coach, f"/vroegsignalen/{signal.referral_id}", action, data)
    assert response.status_code in (302, 400)
    if response.status_code == 302:  # a refusal by the service: shown as a message
        page = coach.get(response.headers["Location"]).get_data(as_text=True)
        assert "utrecht-alert" in page
    session.expire_all()
    fresh = session.get(EarlySignal, signal.id)
    assert fresh.outcome is None and fresh.picked_up_on is None and not fresh.closed
    assert session.query(SignalContactAttempt).count() == 0


@pytest.mark.parametrize(
    "url",
    ["/vroegsignalen/2147483648", "/vroegsignalen/99999999999999999999999",
     "/vroegsignalen/0", "/vroegsignalen/%D9%A1"],
)  # fmt: skip
def test_impossible_ids_are_not_found(coach, url):
    assert coach.get(url).status_code == 404
    assert post(coach, url, "uitkomst", {"uitkomst-outcome": "no_contact"}).status_code == 404


def test_the_inbox_costs_a_page_whatever_the_number_of_signals(
    session, coach, send_signal, statements
):
    """One statement reads the page with its cases (a LIMIT on the inbox index), however many
    signals are open: the list is O(page)."""

    def count() -> int:
        session.commit()
        session.expunge_all()
        with statements() as seen:
            assert coach.get("/vroegsignalen").status_code == 200
        pages = [s for s in seen if "FROM early_signal" in s]
        assert len(pages) == 1 and "LIMIT" in pages[0]
        return len(seen)

    send_signal()
    coach.get("/vroegsignalen")  # the first view stores a CSRF token
    few = count()
    for _ in range(8):
        send_signal()
    assert count() == few
