"""Fixtures for case meetings: the demo covenant, a corporation case, staff per partner and
a meeting of the corporation with the case on its agenda."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from handover.meetings import service
from portal.actor import staff_actor
from portal.workdays import local_today


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the records."""


@pytest.fixture
def people(demo_covenant, make_user):
    slugs = ("corporatie", "wijkteam", "politie", "welzijn", "schuldhulp")
    users = {slug: make_user(slug) for slug in slugs}
    return {slug: (user, staff_actor(user)) for slug, user in users.items()}


@pytest.fixture
def case(people, make_case):
    return make_case("corporatie", surname="Testpersoon")


@pytest.fixture
def meeting(session, people):
    starts = datetime.combine(local_today() + timedelta(days=7), time(9), tzinfo=UTC)
    return service.plan(session, people["corporatie"][1], starts_at=starts, place="Wijkcentrum")


@pytest.fixture
def item(session, people, meeting, case):
    return service.add_case(session, people["corporatie"][1], meeting, case)
