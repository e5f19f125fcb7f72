"""The inbox: filters, keyset pagination, search through the blind index by POST, and no
personal data in URLs or logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.actor import staff_actor
from portal.audit.models import AuditEvent, AuditSubject, about_cases
from portal.cases import groundwork
from portal.cases.inbox import InboxFilters, inbox_page
from portal.cases.service import update_case
from portal.workdays import local_today
from tests.conftest import SYSTEM


@pytest.fixture
def many_cases(make_case):
    from bench.cases import fake_bsns

    bsns = fake_bsns()
    return [make_case("corporatie", bsn=next(bsns), surname=f"Huurder{i}") for i in range(30)]


def test_keyset_pages_walk_forward_and_back(session, many_cases, caseworker):
    actor = staff_actor(caseworker)
    today = local_today()
    first = inbox_page(session, actor, InboxFilters(), today=today)
    assert [c.id for c in first.cases] == [c.id for c in reversed(many_cases)][:25]
    assert first.prev_before is None and first.next_after == first.cases[-1].id
    second = inbox_page(session, actor, InboxFilters(), today=today, after=first.next_after)
    assert [c.id for c in second.cases] == [c.id for c in reversed(many_cases)][25:]
    assert second.next_after is None and second.prev_before == second.cases[0].id
    back = inbox_page(session, actor, InboxFilters(), today=today, before=second.prev_before)
    assert [c.id for c in back.cases] == [c.id for c in first.cases]
    assert back.prev_before is None


def test_filters_status_kind_and_overdue(session, make_case, caseworker):
    actor = staff_actor(caseworker)
    today = local_today()
    from portal.cases.intake import SignalInput, receive_signal
    from tests.conftest import main_tenant

    def signal(bsn, kinds, days_ago):
        return receive_signal(
            session,
            SYSTEM,
            caseworker.organisation,
            SignalInput(
                kinds=kinds,
                signal_date=today - timedelta(days=days_ago),
                tenant=main_tenant(bsn=bsn),
            ),
            contact_days=14,
        ).case

    late = signal("111222333", ("arrears",), 30)
    fresh = signal("123456782", ("nuisance",), 2)
    contacted = signal("231456712", ("arrears", "nuisance"), 30)
    closed = signal("231456724", ("pollution",), 1)
    groundwork.add_contact_attempt(
        session, SYSTEM, contacted, groundwork.ContactAttemptData(today, "phone", "reached")
    )
    update_case(session, SYSTEM, closed, status="closed")

    def ids(**kwargs):
        page = inbox_page(session, actor, InboxFilters(**kwargs), today=today)
        return {c.id for c in page.cases}

    assert ids() == {late.id, fresh.id, contacted.id}
    assert ids(status="closed") == {closed.id}
    assert ids(status="in_progress") == {contacted.id}
    assert ids(status="all") == {late.id, fresh.id, contacted.id, closed.id}
    assert ids(kind="nuisance") == {fresh.id, contacted.id}
    assert ids(overdue=True) == {late.id}
    assert ids(status="all", overdue=True) == {late.id}


def test_shared_cases_are_listed_once_and_paged_in_id_order(
    session, many_cases, make_case, make_user, refer
):
    """A partner's inbox: its own cases and those shared with it, each once, even a case
    granted twice (the seek on the grants is DISTINCT, or a page would come up short)."""
    coach = make_user("schuldhulp")
    actor = staff_actor(coach)
    today = local_today()
    own = make_case("schuldhulp", bsn="123456782")
    shared = many_cases[::3]
    for case in shared:
        refer(case, coach.organisation_id, "identity")
        refer(case, coach.organisation_id, "contact", role="welfare")
    expected = sorted([own.id, *(c.id for c in shared)], reverse=True)

    seen, after = [], None
    while True:
        page = inbox_page(session, actor, InboxFilters(), today=today, after=after, limit=4)
        seen += [c.id for c in page.cases]
        if page.next_after is None:
            break
        assert len(page.cases) == 4
        after = page.next_after
    assert seen == expected
    back = inbox_page(session, actor, InboxFilters(), today=today, before=expected[4], limit=4)
    assert [c.id for c in back.cases] == expected[:4] and back.prev_before is None

    update_case(session, SYSTEM, shared[0], status="closed")
    closed = inbox_page(session, actor, InboxFilters(status="closed"), today=today)
    assert [c.id for c in closed.cases] == [shared[0].id]


def test_inbox_page_and_its_fragment(signed_in, many_cases):
    full = signed_in.get("/casussen")
    assert full.status_code == 200 and "HX-Request" in full.headers["Vary"]
    html = full.get_data(as_text=True)
    assert "<h1" in html and "Huurder29" in html and "Huurder4<" not in html
    assert "Oudere casussen" in html
    fragment = signed_in.get(
        "/casussen?na=" + str(many_cases[5].id), headers={"HX-Request": "true"}
    )
    part = fragment.get_data(as_text=True)
    assert "<h1" not in part and 'id="inbox-results"' in part
    assert "Huurder4<" in part and "Huurder5<" not in part
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_page_of_names_is_one_audit_event_listing_each_case(session, signed_in, many_cases):
    """NEN 7513: one event per view, naming every case whose tenant the page showed, found by
    each of those cases (their access history, the tenant's who-looked page)."""
    listed = select(AuditEvent).where(AuditEvent.action == "case.list")
    assert session.scalars(listed).all() == []
    signed_in.get("/casussen")
    (event,) = session.scalars(listed).all()
    newest = sorted(c.id for c in many_cases)[-25:]
    assert [case for case, _basis in event.subject_list] == newest
    assert {basis for _case, basis in event.subject_list} == {"owner"}
    assert event.case_id is None and event.categories == "identity"
    rows = session.scalars(select(AuditSubject.case_id).where(AuditSubject.event_id == event.id))
    assert sorted(rows) == newest
    found = session.scalars(select(AuditEvent.id).where(about_cases(newest[0]))).all()
    assert event.id in found
    assert (
        event.id
        not in session.scalars(
            select(AuditEvent.id).where(about_cases(sorted(c.id for c in many_cases)[0]))
        ).all()
    )


def test_unknown_filter_values_fall_back(signed_in, many_cases):
    response = signed_in.get("/casussen?status=x&signaal=<script>&na=abc&voor=-1")
    assert response.status_code == 200 and "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "term", ["111222333", "111 222 333", "1234 AB 12", "1234ab 12", "KP-{year}-{number}"]
)
def test_search_by_bsn_address_or_reference(session, signed_in, make_case, term):
    mine = make_case("corporatie")
    make_case("corporatie", bsn="123456782", postcode="9999 ZZ")
    term = term.format(year=mine.reference[3:7], number=mine.reference[-6:])
    response = signed_in.post_form("/casussen/zoeken", {"term": term})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert mine.reference in html and "1 casus gevonden" in html
    assert "KP-" + mine.reference[3:] in html


def test_search_is_audited_and_the_term_is_nowhere_but_the_form(
    session, signed_in, make_case, caplog
):
    make_case("corporatie")
    caplog.set_level(logging.DEBUG, logger="portal")
    response = signed_in.post_form(
        "/casussen/zoeken", {"term": "111222333"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and 'id="inbox-results"' in response.get_data(as_text=True)
    assert "111222333" not in caplog.text
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.search").order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail_dict == {"by": "bsn", "results": 1}
    assert "111222333" not in event.detail


def test_search_is_post_only(signed_in):
    assert signed_in.get("/casussen/zoeken?term=111222333").status_code == 405


@pytest.mark.parametrize("term", ["", "Jansen", "12345", "111222334"])
def test_a_bad_search_term_gets_a_clear_error(signed_in, make_case, term):
    make_case("corporatie")
    response = signed_in.post_form("/casussen/zoeken", {"term": term})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'aria-invalid="true"' in html


def test_search_form_and_links_never_put_a_term_in_a_url(signed_in, many_cases):
    html = signed_in.get("/casussen").get_data(as_text=True)
    assert 'method="post" action="/casussen/zoeken"' in html
    assert "bsn=" not in html and "postcode=" not in html
