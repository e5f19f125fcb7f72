"""Fixtures for a trajectory's conditions: an eviction refused, its last chance started."""

from __future__ import annotations

import pytest

from handover.decisions import service as decisions
from handover.decisions.models import Trajectory
from tests.decisions.conftest import (  # noqa: F401 - fixtures
    people,
    ready_to_vote,
    single_case,
)


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the records."""


def start_trajectory(session, people, case) -> Trajectory:  # noqa: F811 - the fixture
    """The crisis team's veto refuses the eviction: the prepared last chance starts."""
    decision = ready_to_vote(session, people, case)
    for slug, position in (("corporatie", "abstain"), ("crisisteam", "disagree")):
        decisions.cast_vote(
            session,
            people[slug][1],
            decision,
            position=position,
            motivation="Besproken in het casusoverleg van vandaag.",
        )
    trajectory = decision.trajectory
    assert trajectory is not None and trajectory.status == "active"
    return trajectory


@pytest.fixture
def trajectory(session, people, single_case):  # noqa: F811 - the fixtures
    return start_trajectory(session, people, single_case)
