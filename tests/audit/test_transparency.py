"""The tenant's "who looked at my data": the service and the partial, in four languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from flask_babel import force_locale

from portal.actor import Actor
from portal.audit.service import record
from portal.audit.transparency import accesses_for_person
from portal.errors import NotFound
from tests.audit.conftest import as_actor


@pytest.fixture
def tenant_case(session, make_case, make_user, view_case, demo_covenant):
    """A corporation case looked at by its caseworker, and by the debt coach on a statutory
    basis and on consent; plus noise that the tenant must not see."""
    case = make_case("corporatie")
    other = make_case("corporatie", bsn="123456782")
    caseworker = make_user("corporatie")
    coach = make_user("schuldhulp")
    view_case(caseworker, case)
    record(
        session,
        as_actor(coach),
        "case.view",
        case_id=case.id,
        categories=["identity", "finances"],
        basis="statutory:wgs_help",
        detail={
            "bases": {"identity": "statutory:wgs_help", "finances": "statutory:wgs_help"},
            "purpose": "debt_help",
            "withheld": {},
        },
    )
    record(
        session,
        as_actor(coach),
        "case.view",
        case_id=case.id,
        categories=["household"],
        basis="consent:7",
        detail={"bases": {"household": "consent:7"}, "withheld": {}},
    )
    me = Actor(kind="tenant", person_id=case.persons[0].id)
    record(session, me, "case.view", case_id=case.id, categories=["identity"], basis="data_subject")
    record(session, as_actor(caseworker), "audit.export", detail={"filters": {}})
    view_case(caseworker, other)
    return {"case": case, "me": me, "caseworker": caseworker, "coach": coach}


def test_only_the_tenant_themself_may_ask(session, tenant_case, make_user):
    person_id = tenant_case["case"].persons[0].id
    for actor in (
        as_actor(tenant_case["caseworker"]),
        as_actor(make_user("corporatie", ("auditor",))),
        Actor.system("test"),
        Actor(kind="anonymous"),
        Actor(kind="tenant", person_id=person_id + 1),
        Actor(kind="tenant"),
    ):
        with pytest.raises(NotFound):
            accesses_for_person(session, actor, person_id)
    with pytest.raises(NotFound):
        accesses_for_person(session, Actor(kind="tenant", person_id=999_999), 999_999)


def test_who_when_what_and_why_in_plain_words(session, tenant_case):
    me = tenant_case["me"]
    page = accesses_for_person(session, me, me.person_id, lang="nl")
    lines = page.accesses
    assert [a.what for a in lines] == [
        "Bekeek uw gegevens",
        "Bekeek uw gegevens",
        "Bekeek uw gegevens",
        "Maakte uw dossier",
    ]
    consent, statutory, owner, created = lines
    assert consent.organisation == "Gemeente Demostad — Schuldhulpverlening"
    assert consent.role == "Schuldhulpcoach"
    assert consent.categories == ("Huishouden",)
    assert consent.why == ("U gaf hiervoor toestemming.",)
    assert statutory.categories == ("Geldzaken", "Identiteit")
    assert statutory.why[0] == "Schuldhulpverlening."
    assert statutory.why[1].startswith("De wet geeft de gemeente het recht")
    assert owner.organisation == "Woonstichting Demostad" and owner.role == "Signaleerder"
    assert owner.why == ("Deze organisatie werkt aan uw dossier.",)
    assert created.organisation == "Ketenportaal (automatisch)"  # the test case was made by a job
    assert all(a.when.tzinfo is not None for a in lines)
    assert page.next_after_seq is None


def test_the_tenant_does_not_see_own_views_other_cases_or_non_personal_events(session, tenant_case):
    me = tenant_case["me"]
    lines = accesses_for_person(session, me, me.person_id).accesses
    assert len(lines) == 4
    assert all(a.what != "Logboek geëxporteerd" for a in lines)


def test_reading_the_log_is_logged_and_never_listed_back(session, tenant_case):
    """Each look at "who looked" is an event of its own (the tenant's, no data category), so
    the list does not grow with her own reading."""
    from sqlalchemy import select

    from portal.audit.models import AuditEvent

    me = tenant_case["me"]
    first = accesses_for_person(session, me, me.person_id).accesses
    again = accesses_for_person(session, me, me.person_id).accesses
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read")).all()
    assert len(reads) == 2 and first == again
    assert {(r.actor_kind, r.person_id, r.categories) for r in reads} == {
        ("tenant", me.person_id, "")
    }


def test_pages_continue_after_the_last_seen_event(session, tenant_case):
    me = tenant_case["me"]
    first = accesses_for_person(session, me, me.person_id, limit=3)
    assert len(first.accesses) == 3 and first.next_after_seq == first.accesses[-1].seq
    rest = accesses_for_person(session, me, me.person_id, after_seq=first.next_after_seq, limit=3)
    assert [a.what for a in rest.accesses] == ["Maakte uw dossier"]
    assert rest.next_after_seq is None


@pytest.mark.parametrize(
    ("lang", "category", "heading", "what"),
    [
        ("nl", "Huishouden", "Wie keek naar uw gegevens?", "Bekeek uw gegevens"),
        ("en", "Household", "Who looked at your data?", "Looked at your data"),
        ("tr", "Hane", "Verilerinize kim baktı?", "Verilerinize baktı"),
        ("ar", "الأسرة", "من اطّلع على بياناتك؟", "اطّلع على بياناتك"),
    ],
)
def test_the_partial_in_four_languages(app, session, tenant_case, lang, category, heading, what):
    me = tenant_case["me"]
    page = accesses_for_person(session, me, me.person_id, lang=lang, limit=2)
    assert category in page.accesses[0].categories
    assert page.accesses[0].what == what
    with app.test_request_context(), force_locale(lang):
        html = render_template(
            "audit/_tenant_accesses.html", accesses=page, more_url="/mijn-gegevens?na=5"
        )
    assert heading in html
    assert what in html and category in html
    assert 'href="/mijn-gegevens?na=5"' in html and 'hx-target="#tenant-accesses"' in html
    assert "Jansen" not in html and "111222333" not in html


def test_the_partial_without_accesses(app):
    from portal.audit.transparency import TenantAccessPage

    with app.test_request_context():
        html = render_template("audit/_tenant_accesses.html", accesses=TenantAccessPage((), None))
    assert "Er heeft nog niemand naar uw gegevens gekeken." in html


def test_a_busy_day_is_one_entry_per_organisation(app, session, tenant_case):
    """Twelve looks by the corporation on one day read as one entry with "12 keer", not twelve
    lines; the role jargon of the covenant ("Signaleerder") is not shown."""
    from portal.audit.transparency import TenantAccess, TenantAccessPage
    from portal.db import utcnow

    now = utcnow()
    looks = (
        *(
            TenantAccess(100 - n, now, "Woonstichting", "Signaleerder", "Bekeek uw gegevens",
                         ("Identiteit",), ("Om u te helpen.",))
            for n in range(12)
        ),
        TenantAccess(50, now, "Schuldhulp", "Schuldhulpcoach", "Bekeek uw gegevens",
                     ("Contactgegevens",), ("Wet.",)),
        TenantAccess(40, now - timedelta(days=3), "Woonstichting", "Signaleerder",
                     "Maakte uw dossier", ("Identiteit",), ("Om u te helpen.",)),
    )  # fmt: skip
    page = TenantAccessPage(looks, None)
    days = page.days
    assert [(d.organisation, d.what) for d in days] == [
        ("Woonstichting", (("Bekeek uw gegevens", 12),)),
        ("Schuldhulp", (("Bekeek uw gegevens", 1),)),
        ("Woonstichting", (("Maakte uw dossier", 1),)),
    ]
    with app.test_request_context(), force_locale("nl"):
        html = render_template("audit/_tenant_accesses.html", accesses=page)
    assert html.count('class="kp-access"') == 3
    assert "12 keer" in html and "Signaleerder" not in html
