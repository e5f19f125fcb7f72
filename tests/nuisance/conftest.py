"""Fixtures for nuisance files: the demo covenant, a corporation case and each side's staff."""

from __future__ import annotations

import pytest

from portal.actor import staff_actor


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the records."""


@pytest.fixture
def people(demo_covenant, make_user):
    users = {slug: make_user(slug) for slug in ("corporatie", "wijkteam", "politie", "schuldhulp")}
    return {slug: (user, staff_actor(user)) for slug, user in users.items()}


@pytest.fixture
def case(people, make_case):
    return make_case("corporatie", surname="Testpersoon")
