"""Fixtures for the shelter hand-over: an approved eviction of a family, the shelter point (and
a covenant naming a second one)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handover import service as referrals
from handover.decisions import service as decisions
from handover.decisions.models import Decision
from handover.shelter import service
from handover.shelter.models import ShelterHandover
from portal.actor import Actor, staff_actor
from portal.workdays import local_today
from tests.conftest import SYSTEM
from tests.decisions.conftest import (  # noqa: F401 - fixtures
    family_case,
    people,
    ready_to_vote,
    single_case,
)

EVICTION_IN_DAYS = 30


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the records."""


@pytest.fixture
def shelter_point(people, make_user):  # noqa: F811 - the fixture
    user = make_user("opvang")
    return user, staff_actor(user)


def approve(session, people, case) -> Decision:  # noqa: F811 - the fixture
    """Every required voter agrees: the eviction is approved and carried out."""
    decision = ready_to_vote(session, people, case)
    decisions.add_timeline_entry(
        session,
        people["corporatie"][1],
        decision,
        kind="bailiff",
        happens_on=local_today() + timedelta(days=EVICTION_IN_DAYS),
        note="Aangezegd.",
    )
    for voter in list(decision.voters):
        actor = next(a for _u, a in people.values() if a.organisation_id == voter.organisation_id)
        decisions.cast_vote(session, actor, decision, position="agree", motivation="Eens, helaas.")
    assert decision.outcome == "approved" and decision.assignment is not None
    return decision


def accept(session, actor, handover: ShelterHandover) -> None:
    """The shelter point accepts the hand-over's referral, as it does in its inbox."""
    referral = service.referral_of(session, handover)
    assert referral is not None
    referrals.accept(session, actor, referral, version=None)


@pytest.fixture
def second_shelter_point(session, demo_covenant, make_org, make_user):
    """The demo covenant with a second partner in the shelter role, in force; its caseworker.
    The demo's own shelter point comes first by name, so approval refers to that one."""
    from portal.covenant.service import activate_version, load_version
    from portal.demo import DEMO_COVENANT

    source = DEMO_COVENANT.read_text(encoding="utf-8")
    changed = source.replace(
        "[partners.politie]",
        '[partners.opvang-noord]\nname.nl = "Meldpunt Opvang Noord"\n'
        'name.en = "Shelter Point North"\nroles = ["shelter"]\n\n[partners.politie]',
    )
    assert changed != source
    make_org("opvang-noord", "Meldpunt Opvang Noord")
    version = load_version(session, SYSTEM, changed.encode()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="test")
    activate_version(session, admin, version, "A second shelter point joined.")
    user = make_user("opvang-noord")
    return user, staff_actor(user)
