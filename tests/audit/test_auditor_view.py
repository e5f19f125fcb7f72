"""The auditor's view: own organisation's users and own cases only, filters, a safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.actor import Actor
from portal.audit import history
from portal.audit.models import AuditEvent
from portal.audit.service import record
from portal.db import utcnow
from tests.audit.conftest import as_actor

OWN = "corporatie"
OTHER = "schuldhulp"


@pytest.fixture
def world(session, make_user, make_case, view_case):
    """Two organisations, each with a case looked at by its own caseworker, and one of OWN's
    caseworkers who also looked at a case of OTHER (say, through a referral)."""
    own_worker, other_worker = make_user(OWN), make_user(OTHER)
    own_case, other_case = make_case(OWN), make_case(OTHER, bsn="123456782")
    view_case(own_worker, own_case)
    view_case(other_worker, other_case)
    # An event by OTHER's staff on OWN's case, and by OWN's staff on OTHER's case.
    record(
        session,
        as_actor(other_worker),
        "case.view",
        case_id=own_case.id,
        categories=["identity"],
        basis="statutory:wgs_help",
    )
    record(
        session,
        as_actor(own_worker),
        "case.view",
        case_id=other_case.id,
        categories=["contact"],
        basis="statutory:wgs_help",
    )
    # A sign-in at OTHER that has nothing to do with OWN.
    record(session, as_actor(other_worker), "auth.login", detail={"method": "test"})
    return {
        "own_worker": own_worker,
        "other_worker": other_worker,
        "own_case": own_case,
        "other_case": other_case,
    }


def visible(session, user, **filters) -> list[AuditEvent]:
    page = history.search_events(
        session, as_actor(user), history.EventFilter(**filters), limit=1000
    )
    return page.events


def test_auditor_sees_own_users_and_own_cases_only(session, make_user, world):
    events = visible(session, make_user(OWN, ("auditor",)))
    own_org = world["own_worker"].organisation_id
    own_case = world["own_case"].id
    assert events
    for event in events:
        assert event.organisation_id == own_org or event.case_id == own_case
    kinds = {(e.organisation_id, e.case_id) for e in events if e.action == "case.view"}
    assert (world["other_worker"].organisation_id, own_case) in kinds  # others on our case
    assert (own_org, world["other_case"].id) in kinds  # ours on their case
    assert not any(e.action == "auth.login" for e in events)  # their sign-in is theirs


@pytest.mark.parametrize(
    ("org", "roles", "status"),
    [
        (OWN, ("auditor",), 200),
        (OWN, ("org_admin", "auditor"), 200),
        (OWN, ("caseworker",), 403),
        (OWN, ("team_manager",), 403),
        (OWN, ("org_admin",), 403),
        (OWN, ("covenant_admin",), 403),
        (OTHER, ("auditor",), 200),
    ],
)
def test_only_auditors_reach_the_view_and_each_sees_their_own(
    client, make_user, login, world, org, roles, status
):
    login(client, make_user(org, roles))
    for url in ("/audit", "/audit/export.csv"):
        assert client.get(url).status_code == status, url
    if status == 200:
        html = client.get("/audit").get_data(as_text=True)
        mine, theirs = (world["own_case"], world["other_case"])
        if org == OTHER:
            mine, theirs = theirs, mine
        assert mine.reference in html  # own case's events
        # The other organisation's case appears only through our own staff's look at it.
        rows = [line for line in html.splitlines() if theirs.reference in line]
        assert len(rows) == 1


def test_the_auditors_search_is_itself_logged(session, make_user, world):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent

    auditor = make_user(OWN, ("auditor",))
    history.search_events(session, as_actor(auditor), history.EventFilter(action="case.view"))
    (read,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read"))
    assert read.user_id == auditor.id and read.detail_dict["view"] == "auditor"
    assert read.detail_dict["filters"]["action"] == "case.view"


def test_deny_by_default_for_actors_without_an_organisation(session, world):
    for actor in (
        Actor(kind="staff", roles=frozenset({"auditor"})),
        Actor(kind="tenant", person_id=world["own_case"].persons[0].id),
        Actor.system("test"),
        Actor(kind="anonymous"),
    ):
        assert history.search_events(session, actor, history.EventFilter()).events == []


def test_filters(session, make_user, make_org, world):
    auditor = make_user(OWN, ("auditor",))
    own_case, other_case = world["own_case"], world["other_case"]
    by_case = visible(session, auditor, case_reference=own_case.reference.lower())
    assert by_case and {e.case_id for e in by_case} == {own_case.id}
    # A case of another organisation: only our own staff's events on it.
    foreign = visible(session, auditor, case_reference=other_case.reference)
    assert [e.organisation_id for e in foreign] == [world["own_worker"].organisation_id]
    assert visible(session, auditor, case_reference="KP-1999-000001") == []
    by_user = visible(session, auditor, user_id=world["own_worker"].id)
    assert by_user and {e.user_id for e in by_user} == {world["own_worker"].id}
    by_org = visible(session, auditor, organisation_id=world["other_worker"].organisation_id)
    assert by_org and all(e.case_id == own_case.id for e in by_org)
    by_action = visible(session, auditor, action="case.create")
    assert [e.case_id for e in by_action] == [own_case.id]
    by_category = visible(session, auditor, category="contact")
    assert by_category and all("contact" in e.category_list for e in by_category)
    # "contact" must not match "contact_history": whole codes only.
    record(
        session,
        as_actor(world["own_worker"]),
        "case.view",
        case_id=own_case.id,
        categories=["contact_history"],
        basis="owner",
    )
    assert all("contact" in e.category_list for e in visible(session, auditor, category="contact"))
    today = utcnow().astimezone(history.portal_timezone()).date()  # the days the auditor means
    assert visible(session, auditor, since=today, until=today)
    assert visible(session, auditor, since=today + timedelta(days=1)) == []
    assert visible(session, auditor, until=today - timedelta(days=1)) == []


def test_filter_form_through_the_page(client, make_user, login, world):
    login(client, make_user(OWN, ("auditor",)))
    worker = world["own_worker"]
    html = client.get(f"/audit?medewerker={worker.id}&actie=case.view").get_data(as_text=True)
    assert worker.display_name in html
    assert world["other_case"].reference in html and world["own_case"].reference in html
    bad = client.get("/audit?casus=12345&van=2026-02-30")
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert 'aria-describedby="casus-hint casus-error"' in page
    assert 'id="van-error"' in page
    # A colleague of another organisation cannot be chosen as "medewerker".
    assert client.get(f"/audit?medewerker={world['other_worker'].id}").status_code == 400
    wrong_order = client.get("/audit?van=2026-05-02&tot=2026-05-01")
    assert wrong_order.status_code == 400 and "vóór de begindatum" in wrong_order.get_data(
        as_text=True
    )


def test_pages_by_keyset(session, client, make_user, login, make_case, view_case):
    worker = make_user(OWN)
    case = make_case(OWN)
    for _ in range(60):
        view_case(worker, case)
    login(client, make_user(OWN, ("auditor",)))
    import re

    first = client.get("/audit?actie=case.view").get_data(as_text=True)
    next_url = re.search(r'href="([^"]*voor=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "actie=case.view" in next_url  # the filters travel with the page
    second = client.get(next_url).get_data(as_text=True)
    seqs = lambda html: [int(s) for s in re.findall(r'kp-mono">(\d+)</td>', html)]  # noqa: E731
    assert len(seqs(first)) == 50 and len(seqs(second)) == 10
    assert min(seqs(first)) > max(seqs(second))


# --- CSV export --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tleading tab", "'\tleading tab"),
        ("\rcarriage", "'\rcarriage"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_safe_cell(value, expected):
    assert history.safe_cell(value) == expected


def _rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_is_streamed_filtered_audited_and_formula_safe(
    session, client, make_user, login, world
):
    # A hostile value where a label may come from outside: a system job's label.
    record(
        session,
        Actor.system('=HYPERLINK("http://evil.example","x")'),
        "case.view",
        case_id=world["own_case"].id,
        categories=["identity"],
        basis="system",
    )
    auditor = make_user(OWN, ("auditor",))
    login(client, auditor)
    response = client.get(f"/audit/export.csv?casus={world['own_case'].reference}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "volgnummer" and "hash" in header
    assert body and all(r[10] == world["own_case"].reference for r in body)
    labels = [r[7] for r in body]
    assert '\'=HYPERLINK("http://evil.example","x")' in labels
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    export = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    assert export.user_id == auditor.id
    assert export.detail_dict == {"filters": {"case_reference": world["own_case"].reference}}


def test_export_covers_the_scope_across_batches(session, make_user, make_case, view_case):
    worker = make_user(OWN)
    case = make_case(OWN)
    for _ in range(25):
        view_case(worker, case)
    auditor = make_user(OWN, ("auditor",))
    lines = list(history.export_csv(session, as_actor(auditor), history.EventFilter(), batch=7))
    seqs = [int(line.split(",")[0]) for line in lines[1:]]
    expected = [
        e.id
        for e in history.search_events(
            session, as_actor(auditor), history.EventFilter(), limit=10_000
        ).events
        if e.action != "audit.export"
    ]
    # The export's own event was written before the lines were read, so it is included.
    assert seqs[1:] == expected and seqs == sorted(seqs, reverse=True)


def test_export_by_someone_else_is_refused(session, make_user, world):
    from portal.errors import NotFound

    with pytest.raises(NotFound):
        history.export_csv(session, as_actor(make_user(OWN, ("org_admin",))), history.EventFilter())
