"""Fixtures for referrals: the demo covenant, a corporation case and each side's staff."""

from __future__ import annotations

import pytest

from portal.actor import Actor


def actor_for(user) -> Actor:
    return Actor(
        kind="staff", user_id=user.id, organisation_id=user.organisation_id, roles=user.roles
    )


@pytest.fixture
def people(demo_covenant, make_user):
    """One caseworker per demo partner, as users and as actors."""
    users = {slug: make_user(slug) for slug in ("corporatie", "schuldhulp", "welzijn", "zorg")}
    return {slug: (user, actor_for(user)) for slug, user in users.items()}


@pytest.fixture
def case(people, make_case):
    return make_case("corporatie", surname="Testpersoon")
