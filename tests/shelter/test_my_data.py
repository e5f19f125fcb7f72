"""The shelter hand-over and a trajectory's conditions in the tenant's "Mijn gegevens" (GDPR
art. 15): she reads that the shelter point was asked, the eviction date, the checklist in plain
words and where she can stay; her conditions, who follows them, how often, each review and how
the trajectory ended; on the page, in the download and in the PDF. Never who at a partner did
it, never a working note (whom the point spoke to at school, the motivation of the end), and
not where she stays when the covenant keeps that category from her."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from babel.dates import format_date

from handover import service as handover
from handover.decisions import service as decisions
from handover.models import Referral
from portal.actor import Actor
from portal.db import utcnow
from portal.workdays import local_today
from tests.conftest import SYSTEM
from tests.consent.conftest import events
from tests.consent.test_professional import pdf_text

#: Where she can stay (the shelter point's own note, in the covenant's ``shelter`` category).
STAY = "Gezinshuis knSTAY501q, vanaf de dag van de ontruiming"
#: What the shelter point noted about the school, and the owner's motivation of the end:
#: working notes, never hers to read here.
SCHOOL_NOTE = "Gesproken met meester knSCHOOL502q"
END_MOTIVATION = "Motivering knEND503q van het einde"
#: What was written down when a condition was not kept: she is held to it, so she reads it.
BREACH = "Twee afspraken knBREACH504q gemist"


def _tenant_of(app, case):
    """A browser of the case's main tenant, proved (as the code or DigiD does)."""
    from consent import tenant

    me = next(p for p in case.persons if p.is_main_tenant)
    browser = app.test_client()
    browser.get("/")
    now = int(utcnow().timestamp())
    with browser.session_transaction() as sess:
        sess[tenant.TENANT_KEY] = {"pids": [me.id], "at": now, "seen": now}
    return browser


def _shelter_handed_over(session, people, case, shelter_point):
    """An approved eviction: the shelter point accepts, arranges a place and tells the
    school; care is not informed yet."""
    from handover.shelter import service as shelter
    from tests.shelter.conftest import approve

    decision = approve(session, people, case)
    handed = shelter.of_decision(session, decision.id)
    assert handed is not None
    _user, point = shelter_point
    referral = session.get_one(Referral, handed.referral_id)
    handover.accept(session, point, referral, version=None)
    shelter.tick(session, point, handed, "shelter_arranged", note=STAY)
    shelter.tick(session, point, handed, "school_informed", note=SCHOOL_NOTE)
    return handed


def _trajectory_followed(session, people, case):
    """A refused eviction started a last chance: two conditions, one kept and then not kept,
    the other not reviewed yet; then the owner recorded that it broke."""
    from handover.conditions import service as conditions
    from tests.decisions.conftest import ready_to_vote

    decision = ready_to_vote(session, people, case)
    for voter in list(decision.voters):  # the crisis team's veto; care votes on a family
        slug, actor = next((s, a) for s, (_u, a) in people.items()
                           if a.organisation_id == voter.organisation_id)  # fmt: skip
        position = "disagree" if slug == "crisisteam" else "abstain"
        decisions.cast_vote(session, actor, decision, position=position, motivation="Besproken.")
    trajectory = decision.trajectory
    assert trajectory is not None and trajectory.status == "active"
    owner, coach = people["corporatie"][1], people["schuldhulp"][1]
    paying = conditions.add_condition(
        session, owner, trajectory, what="Elke maand de huur op tijd betalen.",
        organisation_id=coach.organisation_id, interval_weeks=4,
        first_review_on=local_today(),
    )  # fmt: skip
    conditions.add_condition(
        session, owner, trajectory, what="Elke week naar de budgetcursus gaan.",
        organisation_id=people["welzijn"][1].organisation_id, interval_weeks=1,
        first_review_on=local_today() + timedelta(days=7),
    )  # fmt: skip
    conditions.record_review(session, coach, paying, result="kept", note=None)
    conditions.record_review(session, coach, paying, result="breached", note=BREACH)
    conditions.record_end(
        session, owner, trajectory, result="broken", ended_on=local_today(),
        motivation=END_MOTIVATION,
    )  # fmt: skip
    return trajectory


@pytest.fixture
def after_decisions(session, people, family_case, shelter_point):
    """A family whose last chance broke, and whose eviction was then approved."""
    _trajectory_followed(session, people, family_case)
    handed = _shelter_handed_over(session, people, family_case, shelter_point)
    session.commit()
    return family_case, handed


def test_she_reads_the_shelter_hand_over_and_her_conditions(
    app, session, people, after_decisions, shelter_point
):
    case, handed = after_decisions
    browser = _tenant_of(app, case)
    eviction_on = handed.eviction_on
    long_day = format_date(eviction_on, "long", locale="nl")
    coach = people["schuldhulp"][0].organisation.name
    welfare = people["welzijn"][0].organisation.name
    point = shelter_point[0].organisation.name
    staff = [u.display_name for u, _a in people.values()] + [shelter_point[0].display_name]

    page = browser.get("/mijn-gegevens").get_data(as_text=True)
    data = json.loads(browser.get("/mijn-gegevens.json").get_data(as_text=True))
    text = pdf_text(browser.get("/mijn-gegevens.pdf").data)
    for shown in (page, text):
        flat = " ".join(re.sub(r"<[^>]+>", " ", shown).split())
        assert "Opvang na de ontruiming" in flat and "meldpunt opvang" in flat
        assert f"Dag van de ontruiming {long_day}" in flat
        assert "Een plek regelen waar u kunt wonen (opvang)" in flat
        assert "De school van uw kinderen op de hoogte brengen" in flat
        assert "De hulpverleners van uw kinderen op de hoogte brengen Nog niet gedaan" in flat
        assert STAY in flat and point in flat
        assert "Afspraken in uw traject" in flat
        assert "Elke maand de huur op tijd betalen." in flat and "Elke 4 weken" in flat
        assert "Elke week naar de budgetcursus gaan." in flat and "Elke week" in flat
        assert coach in flat and welfare in flat
        assert "U hield zich aan de afspraak" in flat and BREACH in flat
        assert "Gestopt: u hield zich niet aan de afspraken" in flat
        for secret in (SCHOOL_NOTE, END_MOTIVATION, *staff):
            assert secret not in flat, secret

    (shelter,) = data["shelter"]["handovers"]
    assert shelter["shelter_point"] == point and shelter["stay"] == STAY
    assert shelter["eviction_on"] == eviction_on.isoformat()
    assert [(i["what"], i["done"]) for i in shelter["items"]] == [
        ("Een plek regelen waar u kunt wonen (opvang)", True),
        ("De school van uw kinderen op de hoogte brengen", True),
        ("De hulpverleners van uw kinderen op de hoogte brengen", False),
    ]
    assert shelter["items"][0]["done_on"] == local_today().isoformat()
    assert shelter["items"][2]["done_on"] is None
    (trajectory,) = data["conditions"]["trajectories"]
    assert trajectory["ended"] == "Gestopt: u hield zich niet aan de afspraken"
    assert trajectory["ended_on"] == local_today().isoformat()
    paying, course = trajectory["conditions"]
    assert paying["followed_by"] == coach and paying["how_often"] == "Elke 4 weken"
    assert [(r["result"], r["kept"], r["note"]) for r in paying["reviews"]] == [
        ("U hield zich aan de afspraak", True, None),
        ("U hield zich niet aan de afspraak", False, BREACH),
    ]
    assert course["reviews"] == [] and course["how_often"] == "Elke week"
    body = json.dumps(data, ensure_ascii=False)
    for secret in (SCHOOL_NOTE, END_MOTIVATION, *staff):
        assert secret not in body, secret
    # The one look names the shelter category among what she was shown; the shelter point
    # keeps it (under its own purpose), not the corporation under her tenancy.
    assert "shelter" in events(session, "tenant.my_data")[-1].category_list
    own, *shared = data["processing"]
    assert "Opvang" not in {c["category"] for r in own["recipients"] for c in r["categories"]}
    assert "Opvang" in {
        c["category"] for p in shared for r in p["recipients"] for c in r["categories"]
    }
    assert "Opvang" in {r["category"] for r in data["retention"]}


@pytest.fixture
def shelter_withheld(session, demo_covenant):
    """The demo covenant with where she stays kept from the tenant: the ``shelter`` category
    marked as someone else's (``third_party``), so shared with no one."""
    from portal.covenant.service import activate_version, load_version
    from portal.demo import DEMO_COVENANT

    source = DEMO_COVENANT.read_text(encoding="utf-8")
    changed = source.replace(
        'retention_days = 365\n\n# A housing-fraud', 'retention_days = 365\nthird_party = true\n\n'
        '# A housing-fraud', 1,
    ).replace('shelter = "wmo_shelter"\n', "", 1)  # fmt: skip
    assert changed.count("third_party = true") == source.count("third_party = true") + 1
    version = load_version(session, SYSTEM, changed.encode()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="test")
    return activate_version(session, admin, version, "The shelter note is not hers to read.")


def test_where_she_stays_is_not_shown_when_the_covenant_withholds_it(
    app, session, people, family_case, shelter_point, shelter_withheld
):
    _shelter_handed_over(session, people, family_case, shelter_point)
    session.commit()
    browser = _tenant_of(app, family_case)
    page = browser.get("/mijn-gegevens").get_data(as_text=True)
    body = browser.get("/mijn-gegevens.json").get_data(as_text=True)
    text = pdf_text(browser.get("/mijn-gegevens.pdf").data)
    for shown in (page, body, text):
        assert "Een plek regelen waar u kunt wonen (opvang)" in shown
        assert "knSTAY501q" not in shown and "knSCHOOL502q" not in shown
        assert "Waar u kunt wonen" not in shown
    assert json.loads(body)["shelter"]["handovers"][0]["stay"] is None
    event = events(session, "tenant.my_data")[-1]
    assert "shelter" not in event.category_list
    assert event.detail_dict["withheld"] == {"shelter": "third_party"}


def test_after_a_decline_she_is_not_led_to_count_on_that_point(
    app, session, people, family_case, shelter_point
):
    from handover.shelter import service as shelter
    from tests.shelter.conftest import approve

    decision = approve(session, people, family_case)
    handed = shelter.of_decision(session, decision.id)
    assert handed is not None
    referral = session.get_one(Referral, handed.referral_id)
    handover.decline(session, shelter_point[1], referral, "Geen plek.", version=None)
    session.commit()
    browser = _tenant_of(app, family_case)
    page = browser.get("/mijn-gegevens").get_data(as_text=True)
    assert "Dit meldpunt kan u niet helpen." in page
    assert "Dit meldpunt kan u niet helpen." in pdf_text(browser.get("/mijn-gegevens.pdf").data)
