"""A case's access history: only the owning organisation's staff, paginated, no personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit import history
from portal.audit.models import AuditEvent

OWNER = "corporatie"
OTHER = "schuldhulp"

# (organisation, portal roles) -> may read the history of a case owned by OWNER
MATRIX = [
    ((OWNER, ("caseworker",)), True),
    ((OWNER, ("team_manager",)), True),
    ((OWNER, ("auditor",)), True),
    ((OWNER, ("org_admin",)), True),
    ((OWNER, ("covenant_admin",)), False),
    ((OTHER, ("caseworker",)), False),
    ((OTHER, ("team_manager",)), False),
    ((OTHER, ("auditor",)), False),
    ((OTHER, ("org_admin", "auditor", "team_manager", "caseworker")), False),
]


@pytest.mark.parametrize(
    ("who", "allowed"), MATRIX, ids=[f"{o}-{'+'.join(r)}" for (o, r), _ in MATRIX]
)
def test_access_matrix(client, make_user, make_case, login, view_case, who, allowed):
    case = make_case(OWNER)
    view_case(make_user(OWNER), case)
    org, roles = who
    login(client, make_user(org, roles))
    response = client.get(f"/casussen/{case.id}/inzage")
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert case.reference in response.get_data(as_text=True)


def test_a_missing_case_looks_like_a_forbidden_one(client, make_user, login):
    login(client, make_user(OWNER, ("auditor",)))
    assert client.get("/casussen/999999/inzage").status_code == 404


def test_partner_with_a_grant_still_gets_404(client, session, make_user, make_case, login):
    """A referral lets a partner see the case, not its access history (the owner's log)."""
    from portal.actor import staff_actor
    from portal.cases.policy import load_case
    from portal.grants import Grant, set_grants

    case = make_case(OWNER)
    partner = make_user(OTHER)
    grant = Grant(partner.organisation_id, "x", "y", frozenset({"identity"}), "test:1")
    set_grants(session, case.id, "test:1", [grant])
    assert load_case(session, staff_actor(partner), case.id) is case  # the grant counts
    login(client, partner)
    assert client.get(f"/casussen/{case.id}/inzage").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, make_case):
    case = make_case(OWNER)
    response = client.get(f"/casussen/{case.id}/inzage")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_the_page_shows_who_when_what_and_why_but_no_personal_data(
    client, make_user, make_case, login, view_case, demo_covenant
):
    case = make_case(OWNER, surname="Zonnebloem", bsn="123456782", phone="0612345679")
    caseworker = make_user(OWNER)
    view_case(caseworker, case)
    login(client, make_user(OWNER, ("auditor",)))
    html = client.get(f"/casussen/{case.id}/inzage").get_data(as_text=True)
    assert "Woonstichting Demostad" in html  # the organisation, by its covenant name
    assert "Gegevens bekeken" in html and "Casus aangemaakt" in html
    assert "Identiteit" in html and "Contactgegevens" in html  # categories in words
    assert "Eigen casus" in html  # the basis in words
    assert "Signaleerder" in html  # the organisation's role in the chain
    for secret in ("Zonnebloem", "123456782", "0612345679", "+31612345679"):
        assert secret not in html


def test_statutory_and_consent_bases_are_named_from_the_covenant(
    session, make_user, make_case, demo_covenant
):
    from portal.actor import Actor
    from portal.audit.describe import Describer
    from portal.audit.service import record

    case = make_case(OWNER)
    event = record(
        session,
        Actor(kind="staff", organisation_id=case.organisation_id, user_id=1),
        "case.view",
        case_id=case.id,
        categories=["identity", "household"],
        basis="consent:42;statutory:wgs_help",
        detail={"bases": {"identity": "statutory:wgs_help", "household": "consent:42"}},
    )
    words = Describer.for_events(session, [event], "nl")
    assert words.bases(event) == [
        "Toestemming (toestemming nr. 42)",
        "Wgs art. 4 — gegevens voor schuldhulpverlening",
    ]
    assert Describer.for_events(session, [event], "en").bases(event)[1] == (
        "Wgs s. 4 — data for debt help"
    )


def test_keyset_pagination_walks_every_event_once(
    session, client, make_user, make_case, login, view_case
):
    case = make_case(OWNER)
    caseworker = make_user(OWNER)
    for _ in range(7):
        view_case(caseworker, case)
    manager = make_user(OWNER, ("team_manager",))
    from tests.audit.conftest import as_actor

    def case_events(action_not: str = "audit.read") -> list[int]:
        return session.scalars(
            AuditEvent.__table__.select()
            .with_only_columns(AuditEvent.id)
            .where(AuditEvent.case_id == case.id, AuditEvent.action != action_not)
            .order_by(AuditEvent.id.desc())
        ).all()

    expected = case_events()
    seen, before, pages = [], None, 0
    while True:
        page = history.case_accesses(session, as_actor(manager), case, before=before, limit=3)
        pages += 1
        seen += [e.id for e in page.events]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == expected and len(seen) == 8  # seven views and the creation
    # Each page read is itself in the log, newer than anything the walk showed.
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read")).all()
    assert len(reads) == pages and min(r.id for r in reads) > max(seen)
    assert all(r.case_id == case.id and r.category_list == [] for r in reads)


def test_page_links_to_older_events_and_back(client, make_user, make_case, login, view_case):
    case = make_case(OWNER)
    caseworker = make_user(OWNER)
    for _ in range(55):
        view_case(caseworker, case)
    login(client, caseworker)
    first = client.get(f"/casussen/{case.id}/inzage").get_data(as_text=True)
    assert first.count('<tr class="utrecht-table__row">') == 51  # header + 50
    assert "Oudere gebeurtenissen" in first and "Nieuwste gebeurtenissen" not in first
    import re

    older = re.search(r'href="([^"]*voor=\d+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert second.count('<tr class="utrecht-table__row">') == 7  # header + 5 views + creation
    assert "Nieuwste gebeurtenissen" in second and "Oudere gebeurtenissen" not in second


def test_htmx_gets_the_fragment_only(client, make_user, make_case, login, view_case):
    case = make_case(OWNER)
    user = make_user(OWNER)
    view_case(user, case)
    login(client, user)
    full = client.get(f"/casussen/{case.id}/inzage")
    fragment = client.get(f"/casussen/{case.id}/inzage", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="case-accesses"')
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]


def test_bad_page_marker_is_ignored(client, make_user, make_case, login):
    case = make_case(OWNER)
    login(client, make_user(OWNER))
    assert client.get(f"/casussen/{case.id}/inzage?voor=abc").status_code == 200
    assert client.get(f"/casussen/{case.id}/inzage?voor=-5").status_code == 200
