"""'Already known?': which other partners have an open case for the same household, only as
far as the covenant lets their involvement be known, and nothing of those cases."""

from __future__ import annotations

from sqlalchemy import select

from portal.actor import Actor, staff_actor
from portal.audit.models import AuditEvent
from portal.cases.service import known_elsewhere, update_case
from portal.covenant.service import activate_version, load_version
from portal.demo import DEMO_COVENANT
from tests.conftest import SYSTEM

BSN = "231456712"


def households(make_case):
    """The corporation's case, and the same household (or address) at other partners."""
    ours = make_case("corporatie", bsn=BSN, surname="Gedeeld")
    crisis = make_case("crisisteam", bsn=BSN, surname="Gedeeld")
    care = make_case("zorg", bsn=BSN, surname="Gedeeld")
    closed = make_case("welzijn", bsn=BSN, surname="Gedeeld")
    # The debt coach knows the address, through another member of the household.
    coach = make_case("schuldhulp", bsn="123456782", surname="Partner")
    unrelated = make_case("schuldhulp", bsn="231456724", postcode="9999 ZZ", surname="Ander")
    return ours, crisis, care, closed, coach, unrelated


def names(found) -> list[str]:
    return [partner.name for partner in found]


def test_visible_partners_are_named_and_hidden_ones_are_not(
    session, demo_covenant, make_case, make_user
):
    ours, _crisis, _care, closed, _coach, _other = households(make_case)
    update_case(session, SYSTEM, closed, status="closed")
    actor = staff_actor(make_user("corporatie"))
    found = known_elsewhere(session, actor, ours)
    # Crisis team by BSN, debt help by address; care's involvement stays hidden (covenant);
    # a closed case does not count.
    assert names(found) == [
        "Gemeente Demostad — Crisisteam",
        "Gemeente Demostad — Schuldhulpverlening",
    ]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.known_elsewhere")
    ).one()
    assert event.case_id == ours.id and len(event.detail_dict["organisations"]) == 2
    assert event.category_list == []


def test_involvement_visibility_follows_the_covenant(session, demo_covenant, make_case, make_user):
    ours, *_rest = households(make_case)
    actor = staff_actor(make_user("corporatie"))
    assert "Gemeente Demostad — Crisisteam" in names(known_elsewhere(session, actor, ours))

    text = DEMO_COVENANT.read_text(encoding="utf-8")
    head, tail = text.split("[roles.crisis_team]", 1)
    tail = tail.replace("involvement_visible = true", "involvement_visible = false", 1)
    version = load_version(session, SYSTEM, (head + "[roles.crisis_team]" + tail).encode()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="test")
    activate_version(session, admin, version, "Crisis team involvement becomes confidential.")

    after = names(known_elsewhere(session, actor, ours))
    assert "Gemeente Demostad — Crisisteam" not in after
    assert "Gemeente Demostad — Schuldhulpverlening" in after


def test_nothing_without_a_covenant(session, make_case, make_user):
    ours, *_rest = households(make_case)
    assert known_elsewhere(session, staff_actor(make_user("corporatie")), ours) == []


def test_the_case_page_tells_and_reveals_nothing_of_the_other_cases(
    session, demo_covenant, make_case, signed_in
):
    ours, crisis, care, _closed, coach, _other = households(make_case)
    session.commit()
    html = signed_in.get(f"/casussen/{ours.id}").get_data(as_text=True)
    assert "Al bekend bij andere partners" in html
    assert "Gemeente Demostad — Crisisteam" in html
    assert "Zorggroep" not in html
    for other in (crisis, care, coach):
        assert other.reference not in html
    assert "Partner" not in html


def test_no_match_no_message(session, demo_covenant, make_case, signed_in):
    ours = make_case("corporatie", bsn=BSN)
    session.commit()
    assert "Al bekend bij" not in signed_in.get(f"/casussen/{ours.id}").get_data(as_text=True)


def test_a_partner_not_allowed_to_see_who_it_is_learns_nothing(
    session, demo_covenant, make_case, make_user, refer
):
    ours, *_rest = households(make_case)
    coach = make_user("welzijn")
    refer(ours, coach.organisation_id, "finances", purpose="debt_help", role="welfare")
    assert known_elsewhere(session, staff_actor(coach), ours) == []
