"""Scenario D, "my say": the tenant writes her view or a question; the owner and the partners
she was referred to read it on the case page and in the referral's intake, a partner answers
her question once, and she reads the answer. A new phone number waits for the owner, who
confirms or rejects it. Nobody without a basis reads her words."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from consent import tenant
from portal import create_app
from portal.actor import Actor
from portal.cases import tenant_input
from portal.cases.models import ContactCorrection, TenantSay
from portal.cases.service import create_case
from portal.crypto.fields import decrypt_field
from portal.db import write_lock
from portal.errors import Conflict, DomainError, NotFound
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.consent.conftest import ask, events, outbox, prove
from tests.race import seed_partners

VIEW = "Ik kan vanaf januari 200 euro per maand betalen."
QUESTION = "Wanneer belt de schuldhulp mij?"
ANSWER = "Wij bellen u deze week, op donderdag."


def signed_in(session, world, client, sms_box):
    _request, tokens = ask(session, world)
    assert prove(client, next(iter(tokens.values())), sms_box).status_code == 302


def test_she_writes_and_the_partners_read_it(session, world, client, sms_box, staff):
    world.refer(session, "schuldhulp")
    signed_in(session, world, client, sms_box)
    page = client.get("/mijn-zaak").get_data(as_text=True)
    assert "Uw eigen woorden" in page and 'action="/mijn-zaak/inbreng"' in page
    sent = client.post_form("/mijn-zaak/inbreng", {"kind": "view", "text": VIEW})
    assert sent.status_code == 303
    assert VIEW in client.get("/mijn-zaak").get_data(as_text=True)
    # Her own words are part of "my data" too (GDPR art. 15).
    assert VIEW in client.get("/mijn-gegevens").get_data(as_text=True)
    assert VIEW in client.get("/mijn-gegevens.json").get_data(as_text=True)
    (said,) = session.scalars(select(TenantSay))
    assert said.kind == "view" and said.mandate_id is None
    stored = bytes(session.execute(text("SELECT text FROM tenant_say")).scalar_one())
    assert VIEW.encode() not in stored  # stored encrypted
    (event,) = events(session, "tenant.say")
    assert event.categories == "tenant_input" and VIEW not in event.detail
    # The owner and the coach (whose package includes her words) are told, without content.
    notices = outbox(session, "tenant_say")
    assert notices and all(VIEW not in (m.subject or "") for m in notices)

    owner = staff(world.owner)
    assert VIEW in owner.get(f"/casussen/{world.case.id}").get_data(as_text=True)
    coach = staff(world.coach)
    assert VIEW in coach.get(f"/casussen/{world.case.id}").get_data(as_text=True)
    referral = handover_referral(session, world)
    intake = coach.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert VIEW in intake
    # Welfare has no referral: the case is not even there for it.
    welfare = staff(world.welfare)
    assert welfare.get(f"/casussen/{world.case.id}").status_code == 404


def handover_referral(session, world):
    from handover.models import Referral

    return session.scalars(select(Referral).where(Referral.case_id == world.case.id)).one()


def test_a_question_gets_one_answer_she_reads(app, session, world, client, sms_box, staff):
    world.refer(session, "schuldhulp")
    signed_in(session, world, client, sms_box)
    client.post_form("/mijn-zaak/inbreng", {"kind": "question", "text": QUESTION})
    (say,) = session.scalars(select(TenantSay))
    coach = staff(world.coach)
    url = f"/casussen/{world.case.id}/huurder/{say.id}/antwoord"
    assert "Antwoord versturen" in coach.get(url).get_data(as_text=True)
    empty = coach.post_form(url, {"answer": "   "})
    assert empty.status_code == 400 and say.answered_at is None
    assert coach.post_form(url, {"answer": ANSWER}).status_code == 303
    session.refresh(say)
    assert say.answered_by_org_id == world.orgs["schuldhulp"].id
    page = client.get("/mijn-zaak").get_data(as_text=True)
    assert ANSWER in page and world.orgs["schuldhulp"].name in page
    # A second answer (a stale form) is refused and changes nothing.
    again = staff(world.owner).post_form(url, {"answer": "Iets anders"})
    assert again.status_code == 400
    session.refresh(say)
    assert decrypt_field(say, "answer", session=session) == ANSWER


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=NEEDS_POSTGRESQL)])
def test_two_partners_answering_at_once_give_one_answer(databases, tmp_path, kind):
    url = databases.fresh(kind, "sayrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors = seed_partners(db.session)
            case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
            me = Actor(kind="tenant", person_id=case.persons[0].id)
            say = tenant_input.add_say(db.session, me, case, kind="question", text=QUESTION)
            db.session.commit()
            say_id = say.id
        outcomes: list[str] = []
        barrier = threading.Barrier(2, timeout=60)

        def answer(n: int) -> None:
            # As a POST request does: the transaction takes the write lock first (SQLite).
            with app.app_context():
                barrier.wait()
                with write_lock():
                    say = db.session.get_one(TenantSay, say_id)
                    try:
                        tenant_input.answer_say(
                            db.session, actors[("corporatie", n)], say, f"{ANSWER} ({n})"
                        )
                        db.session.commit()
                        outcomes.append("ok")
                    except Conflict:
                        db.session.rollback()
                        outcomes.append("conflict")

        threads = [threading.Thread(target=answer, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        outcomes.sort()
        assert outcomes == ["conflict", "ok"]
    finally:
        app.extensions["kp_db"].engine.dispose()


def test_bad_input_is_refused_and_changes_nothing(session, world, client, sms_box):
    signed_in(session, world, client, sms_box)
    for data in (
        {"kind": "view", "text": ""},
        {"kind": "view", "text": "x" * 2001},
        {"kind": "speech", "text": VIEW},
        {"kind": "view", "text": "a\x00b"},
    ):
        response = client.post_form("/mijn-zaak/inbreng", data)
        assert response.status_code == 400, data
    assert session.scalar(select(TenantSay.id)) is None
    me = tenant.actor(world.case.persons[0].id)
    with pytest.raises(DomainError):
        tenant_input.add_say(session, me, world.case, kind="view", text=" ")


def test_another_household_cannot_write_on_her_case(session, world, make_case):
    other = make_case("corporatie", bsn="123456782")
    intruder = tenant.actor(other.persons[0].id)
    with pytest.raises(NotFound):
        tenant_input.add_say(session, intruder, world.case, kind="view", text=VIEW)


def test_a_new_number_waits_for_the_owner(session, world, client, sms_box, staff):
    signed_in(session, world, client, sms_box)
    form = client.get("/mijn-gegevens/wijzigen").get_data(as_text=True)
    assert "Nieuw mobiel nummer" in form
    bad = client.post_form("/mijn-gegevens/wijzigen", {"phone": "12", "email": ""})
    assert bad.status_code == 400 and "klopt niet" in bad.get_data(as_text=True)
    nothing = client.post_form("/mijn-gegevens/wijzigen", {"phone": "", "email": ""})
    assert nothing.status_code == 400
    sent = client.post_form("/mijn-gegevens/wijzigen", {"phone": "06 87654321", "email": ""})
    assert sent.status_code == 303
    (correction,) = session.scalars(select(ContactCorrection))
    assert correction.status == "pending"
    assert "kijkt er nog naar" in client.get("/mijn-zaak").get_data(as_text=True)
    person = world.case.persons[0]
    assert decrypt_field(person, "phone", session=session) == "+31612345678"  # unchanged

    owner = staff(world.owner)
    page = owner.get(f"/casussen/{world.case.id}").get_data(as_text=True)
    assert "06 87654321" in page and "Bevestigen" in page
    confirm = f"/casussen/{world.case.id}/huurder/wijziging/{correction.id}/bevestigen"
    assert owner.post_form(confirm).status_code == 303
    session.refresh(person)
    session.refresh(correction)
    assert correction.status == "confirmed"
    assert decrypt_field(person, "phone", session=session) == "+31687654321"
    assert "aangepast" in client.get("/mijn-zaak").get_data(as_text=True)
    # Deciding twice is refused; a partner cannot decide at all.
    assert owner.post_form(confirm).status_code == 400
    coach = staff(world.coach)
    assert coach.post_form(confirm).status_code == 404


def test_the_owner_may_reject_a_correction(session, world):
    me = tenant.actor(world.case.persons[0].id)
    correction = tenant_input.propose_correction(
        session, me, world.case, field="email", value="Nieuw@Voorbeeld.nl"
    )
    assert decrypt_field(correction, "value", session=session) == "nieuw@voorbeeld.nl"
    tenant_input.decide_correction(session, world.actor(world.owner), correction, confirm=False)
    assert correction.status == "rejected"
    assert decrypt_field(world.case.persons[0], "email", session=session) == "a.jansen@example.org"
