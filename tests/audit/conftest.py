"""Fixtures for the audit pages: professionals as actors, and events written the real way."""

from __future__ import annotations

import pytest

from portal.actor import Actor


def as_actor(user) -> Actor:
    """The actor a view builds for ``user`` (``portal.actor.current_actor``)."""
    return Actor(
        kind="staff",
        user_id=user.id,
        organisation_id=user.organisation_id,
        roles=user.roles,
        request_id="req-test",
        client_addr="192.0.2.0/24",
    )


@pytest.fixture
def view_case(session):
    """Show a case's household to ``user`` through the policy point: one ``case.view``."""
    from portal import sharing

    def view(user, case, fields=("surname", "bsn", "phone")):
        return sharing.reveal(session, as_actor(user), case, {case.persons[0]: list(fields)})

    return view
