"""Proving who you are: one-time code plus birth date, a lock against guessing, links that
work once and expire, coming back later, and the tenant session's idle timeout."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from consent import tenant
from consent.models import ConsentInvitation, IdentityLock
from portal.db import utcnow
from tests.consent.conftest import BIRTH, answer, ask, events, last_code, prove


def _wrong(client, code="000000", birth=BIRTH):
    return client.post_form(
        "/toestemming/code",
        {"code": code, "day": str(birth.day), "month": str(birth.month), "year": str(birth.year)},
    )


def test_nothing_personal_before_the_proof(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    page = client.get("/toestemming/wie-bent-u").get_data(as_text=True)
    main = page.split("<main")[1].split("</main>")[0]
    main = re.sub(r'value="[^"]*"', "", main)  # a random CSRF token may hold "06" by chance
    assert "Yilmaz" not in page and "06" not in main
    assert client.get("/toestemming/vraag").status_code == 303  # no tenant session yet
    assert client.get("/toestemming/mijn").status_code == 303


def test_code_brute_force_is_stopped(client, session, world, sms_box, app):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    client.post_form("/toestemming/wie-bent-u")
    good = last_code(sms_box)
    wrong = "111111" if good != "111111" else "222222"
    limit = app.config["CONSENT_MAX_ATTEMPTS"]
    for _attempt in range(limit - 1):
        response = _wrong(client, wrong)
        assert response.status_code == 400
        assert "klopt niet" in response.get_data(as_text=True)
    locked = _wrong(client, wrong)
    assert locked.status_code == 429 and "Even wachten" in locked.get_data(as_text=True)
    # Now even the right code and birth date fail, also with a new code (a new challenge).
    assert _wrong(client, good).status_code == 429
    assert client.post_form("/toestemming/wie-bent-u").status_code == 429
    lock = session.get(IdentityLock, world.case.persons[0].id)
    assert lock.locked_until > utcnow()
    assert events(session, "consent.identity_locked")
    # The wrong birth date counts just the same (the code alone is not enough).
    lock.locked_until = utcnow() - timedelta(seconds=1)
    session.flush()
    client.post_form("/toestemming/wie-bent-u")
    assert _wrong(client, last_code(sms_box), birth=date(1981, 5, 17)).status_code == 400


def test_right_code_with_wrong_birth_date_fails(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    response = prove(client, tokens["sms"], sms_box, birth=date(1990, 1, 1))
    assert response.status_code == 400
    assert client.get("/toestemming/vraag").status_code == 303


def test_invalid_birth_date_is_a_clear_error(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    client.post_form("/toestemming/wie-bent-u")
    response = client.post_form(
        "/toestemming/code",
        {"code": last_code(sms_box), "day": "31", "month": "2", "year": "1980"},
    )
    assert response.status_code == 400
    assert "Vul een echte datum in." in response.get_data(as_text=True)


def test_reused_link_fails_with_a_clear_page(client, session, world, sms_box, new_client):
    _request, tokens = ask(session, world)
    assert prove(client, tokens["sms"], sms_box).status_code == 302
    again = new_client().get(f"/t/{tokens['sms']}")
    assert again.status_code == 410
    assert "Deze link is al gebruikt" in again.get_data(as_text=True)


def test_expired_link_fails_with_a_clear_page(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    invitation = session.scalar(select(ConsentInvitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    response = client.get(f"/t/{tokens['sms']}")
    assert response.status_code == 410
    assert "Deze link is verlopen" in response.get_data(as_text=True)


def test_unknown_and_replaced_links(client, session, world, sms_box):
    assert client.get("/t/not-a-real-token").status_code == 404
    request, tokens = ask(session, world)
    from consent import service
    from tests.consent.conftest import link_for

    service.send_again(session, world.actor(world.owner), request, "sms", link_for=link_for)
    session.commit()
    old = client.get(f"/t/{tokens['sms']}")
    assert old.status_code == 410 and "werkt niet meer" in old.get_data(as_text=True)


def test_link_expires_between_opening_and_proof(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    client.post_form("/toestemming/wie-bent-u")
    invitation = session.scalar(select(ConsentInvitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    response = _wrong(client, last_code(sms_box))
    assert response.status_code == 410


def test_the_code_works_only_in_the_browser_that_asked(client, session, world, sms_box, new_client):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    client.post_form("/toestemming/wie-bent-u")
    code = last_code(sms_box)
    with client.session_transaction() as sess:
        stolen = dict(sess[tenant.CHALLENGE_KEY])
    thief = new_client()
    thief.get("/")
    with thief.session_transaction() as sess:
        sess[tenant.CHALLENGE_KEY] = {**stolen, "secret": "another-browser"}
    assert _wrong(thief, code).status_code == 400
    assert client.get("/toestemming/vraag").status_code == 303


def test_code_expires(client, session, world, sms_box):
    from consent.models import IdentityChallenge

    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    client.post_form("/toestemming/wie-bent-u")
    challenge = session.scalar(select(IdentityChallenge))
    challenge.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    response = _wrong(client, last_code(sms_box))
    assert response.status_code == 400 and "verlopen" in response.get_data(as_text=True)


def test_come_back_later_with_the_phone_on_file(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    answer(client, [["household"], []])
    client.post_form("/toestemming/uitloggen")
    assert client.get("/toestemming/mijn").status_code == 303
    sms_box.clear()
    sent = client.post_form("/toestemming/terugkomen", {"contact": "+31 6 12345678"})
    assert sent.status_code == 302 and sms_box and sms_box[-1][0] == "+31612345678"
    response = _wrong(client, last_code(sms_box))
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn-zaak")
    page = client.get("/toestemming/mijn").get_data(as_text=True)
    assert "Hier heeft u ja op gezegd" in page and "Huishouden" in page


def test_unknown_number_looks_the_same_and_sends_nothing(client, session, world, sms_box):
    sms_box.clear()
    response = client.post_form("/toestemming/terugkomen", {"contact": "06 87654321"})
    assert response.status_code == 302 and not sms_box
    page = client.get("/toestemming/code").get_data(as_text=True)
    assert "Als wij dit nummer of e-mailadres kennen" in page
    assert _wrong(client, "123456").status_code == 400


def test_invalid_contact_is_a_clear_error(client, session, world):
    response = client.post_form("/toestemming/terugkomen", {"contact": "hallo"})
    assert response.status_code == 200
    assert "Vul uw mobiele nummer of e-mailadres in" in response.get_data(as_text=True)


def test_tenant_session_ends_after_idle_time(client, session, world, sms_box, app):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    assert client.get("/toestemming/vraag").status_code == 200
    idle = app.config["TENANT_SESSION_IDLE_MINUTES"]
    with client.session_transaction() as sess:
        state = dict(sess[tenant.TENANT_KEY])
        state["seen"] -= idle * 60 + 5
        sess[tenant.TENANT_KEY] = state
    response = client.get("/toestemming/vraag")
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 401
    with client.session_transaction() as sess:
        assert tenant.TENANT_KEY not in sess


def test_tenant_session_opens_no_staff_page(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    response = client.get(f"/casussen/{world.case.id}/toestemming")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_identity_events_are_audited_without_personal_data(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    proved = events(session, "consent.identity_proved")
    assert proved and proved[-1].person_id == world.case.persons[0].id
    checks = events(session, "consent.identity_check")
    assert checks and checks[-1].actor_label == "consent:identity-check"
    for event in events(session, "consent.code_sent") + checks + proved:
        assert "Yilmaz" not in event.detail and "1980" not in event.detail
