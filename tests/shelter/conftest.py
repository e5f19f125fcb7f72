"""Fixtures for the shelter hand-over: an approved eviction of a family, the shelter point."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handover.decisions import service as decisions
from handover.decisions.models import Decision
from portal.actor import staff_actor
from portal.workdays import local_today
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
