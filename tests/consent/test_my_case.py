"""Scenario D, "my case": the tenant reads who helps her now, what happens next and by when,
and the steps so far, in plain words; never a note or a reason the partners wrote, never
another household's case."""

from __future__ import annotations

from flask_babel import force_locale

from consent import tenant
from handover import service as handover
from handover.my_case import my_case
from tests.consent.conftest import another_tenant, ask, prove

REASON = "Geheime reden over het gezin"
NOTE = "Interne notitie over de huurder"


def test_who_helps_her_now_and_what_happened(app, session, world, sender_chooses):
    coach = world.actor(world.coach)
    first = world.refer(session, "schuldhulp")
    handover.decline(session, coach, first, REASON, version=None)
    second = handover.send(
        session, world.actor(world.owner), world.case, purpose="debt_help",
        recipient_org_id=world.orgs["schuldhulp"].id, note=NOTE,
    )  # fmt: skip
    handover.accept(session, coach, second, version=None)
    session.commit()
    me = tenant.actor(world.case.persons[0].id)
    with app.test_request_context(), force_locale("nl"):
        case = my_case(session, me, "nl")
    coach_org = world.orgs["schuldhulp"].name
    (helper,) = case.helpers
    assert helper.organisation == coach_org and "gaat u helpen" in helper.next_step
    texts = [s.text for s in case.steps]
    assert f"{coach_org} kon u niet helpen." in texts
    assert f"{coach_org} zei ja: zij gaan u helpen." in texts
    assert sum("om u te helpen" in t for t in texts) == 2
    assert not any(REASON in t or NOTE in t for t in texts)


def test_the_page_needs_her_and_shows_only_her_case(
    app, session, world, client, sms_box, make_case
):
    world.refer(session, "schuldhulp")
    assert client.get("/mijn-zaak").status_code == 303
    _request, tokens = ask(session, world)
    assert prove(client, next(iter(tokens.values())), sms_box).status_code == 302
    html = client.get("/mijn-zaak").get_data(as_text=True)
    assert world.case.reference in html and world.orgs["schuldhulp"].name in html
    assert "Mijn zaak" in html and "Uitloggen" in html
    assert "Yilmaz" not in html  # her name is not needed to tell her about her case
    other = another_tenant(app.test_client, make_case)
    theirs = other.get("/mijn-zaak").get_data(as_text=True)
    assert world.case.reference not in theirs


def test_a_conversation_is_a_step_a_missed_call_and_the_note_are_not(app, session, world):
    from datetime import timedelta

    from portal.cases import groundwork
    from portal.workdays import local_today

    owner = world.actor(world.owner)
    day = local_today() - timedelta(days=3)
    for outcome in ("not_reached", "reached"):
        groundwork.add_contact_attempt(
            session, owner, world.case,
            groundwork.ContactAttemptData(day, "house_visit", outcome, NOTE),
        )  # fmt: skip
    session.commit()
    me = tenant.actor(world.case.persons[0].id)
    with app.test_request_context(), force_locale("nl"):
        case = my_case(session, me, "nl")
    texts = [s.text for s in case.steps]
    assert texts.count(f"{world.orgs['corporatie'].name} had contact met u.") == 1
    assert not any(NOTE in t for t in texts)
