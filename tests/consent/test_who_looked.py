"""Scenario D: the tenant signs in again and sees who looked at their data, and why."""

from __future__ import annotations

from portal import sharing
from tests.consent.conftest import ask, prove


def test_tenant_sees_who_looked_at_their_data(client, session, world, sms_box):
    owner = world.actor(world.owner)
    sharing.reveal(session, owner, world.case, {world.case.persons[0]: ["surname"]})
    session.commit()
    _request, tokens = ask(session, world)
    assert prove(client, next(iter(tokens.values())), sms_box).status_code == 302
    page = client.get("/toestemming/inzage")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Wie keek naar uw gegevens?" in html
    assert world.orgs["corporatie"].name in html
    assert "Yilmaz" not in html  # the log says who and why, never the data itself
    # The tenant's own menu and sign-out stay on the page.
    assert 'href="/toestemming/mijn-toestemmingen"' in html or "Mijn toestemmingen" in html
    assert "Uitloggen" in html and 'aria-current="page"' in html


def test_who_looked_needs_a_proven_tenant(client):
    response = client.get("/toestemming/inzage")
    assert response.status_code == 303
