"""Consent records drive sharing: withdrawal and expiry count from the next request; the owner
is told, every organisation that received data must acknowledge, and hooks run."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consent import hooks, service
from consent.models import ConsentAcknowledgement, ConsentEvent, ConsentRecord
from portal import sharing
from portal.cases.policy import load_case
from portal.db import utcnow
from portal.errors import NotFound
from portal.grants import Grant, set_grants
from portal.outbox.service import body_of, recipient
from portal.sharing import Withheld
from tests.consent.conftest import PURPOSE, another_tenant, answer, ask, events, outbox, prove


def _grant_online(client, session, world, sms_box, choices, *, refer=True):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    done = answer(client, choices)
    assert done.status_code == 302
    if refer:
        world.refer(session, "welzijn")
    return {r.recipient_organisation_id: r for r in session.scalars(select(ConsentRecord))}


def _staff_client(new_client, login, user):
    browser = new_client()
    login(browser, user)
    return browser


def _sharing_row(html: str, name: str) -> str:
    row = re.search(rf"<th scope=\"row\"[^>]*>{name}</th>(.*?)</tr>", html, re.S)
    assert row, name
    return re.sub(r"\s+", " ", row.group(1))


def test_withdrawal_removes_access_for_the_recipient_on_the_next_request(
    client, session, world, sms_box, new_client, login
):
    records = _grant_online(
        client, session, world, sms_box, [["household"], ["household", "arrears"]]
    )
    welfare_record = records[world.orgs["welzijn"].id]
    welfare = world.actor(world.welfare)
    person = world.case.persons[0]

    # The referral lets welfare in; the consent lets it read the arrears.
    assert load_case(session, welfare, world.case.id) is world.case
    shown = sharing.reveal(session, welfare, world.case, {world.case: ["arrears_cents"]})
    assert shown.get(world.case, "arrears_cents") == 12_345
    assert shown.decisions["arrears"].basis == f"consent:{welfare_record.id}"
    assert isinstance(
        sharing.reveal(session, welfare, world.case, {person: ["surname"]}).get(person, "surname"),
        Withheld,
    )
    browser = _staff_client(new_client, login, world.welfare)
    page = browser.get(f"/casussen/{world.case.id}/toestemming").get_data(as_text=True)
    assert f"toestemming nr. {welfare_record.id}" in _sharing_row(page, "Huurachterstand")

    # The tenant withdraws the arrears for welfare (and keeps the household).
    form = client.get(f"/toestemming/mijn/{welfare_record.id}/intrekken")
    assert form.status_code == 200
    done = client.post_form(
        f"/toestemming/mijn/{welfare_record.id}/intrekken", {"categories": ["arrears"]}
    )
    assert done.status_code == 302

    # The very next request: withheld, with the reason.
    after = sharing.reveal(session, welfare, world.case, {world.case: ["arrears_cents"]})
    value = after.get(world.case, "arrears_cents")
    assert isinstance(value, Withheld) and value.reason == "consent_withdrawn"
    page = browser.get(f"/casussen/{world.case.id}/toestemming").get_data(as_text=True)
    assert "toestemming ingetrokken" in _sharing_row(page, "Huurachterstand")
    assert f"toestemming nr. {welfare_record.id}" in _sharing_row(page, "Huishouden")

    # Welfare received data under the consent: it must acknowledge; the coach did not.
    acks = list(session.scalars(select(ConsentAcknowledgement)))
    assert [a.organisation_id for a in acks] == [world.orgs["welzijn"].id]
    assert "Bevestigen dat wij dit zagen" in page
    ack = acks[0]
    panel = browser.post(
        f"/casussen/{world.case.id}/toestemming/bevestigingen/{ack.id}",
        data={"csrf_token": browser.csrf_token()},
        headers={"HX-Request": "true"},
    )
    assert panel.status_code == 200 and "<html" not in panel.get_data(as_text=True)
    assert ack.acknowledged_at is not None and ack.acknowledged_by_id == world.welfare.id
    assert events(session, "consent.acknowledged")

    # The owner sees the withdrawal and the acknowledgement on the case.
    owner = _staff_client(new_client, login, world.owner)
    owner_page = owner.get(f"/casussen/{world.case.id}/toestemming").get_data(as_text=True)
    assert "Bevestigingen van ontvangers" in owner_page and world.welfare.display_name in owner_page
    assert "ingetrokken" in owner_page


def test_notices_carry_a_reference_only(client, session, world, sms_box):
    records = _grant_online(client, session, world, sms_box, [[], ["arrears"]])
    record = records[world.orgs["welzijn"].id]
    welfare = world.actor(world.welfare)
    sharing.reveal(session, welfare, world.case, {world.case: ["arrears_cents"]})
    before = len(outbox(session, "consent_notice"))
    client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["arrears"]})
    notices = outbox(session, "consent_notice")[before:]
    to = {recipient(session, m) for m in notices}
    assert world.owner.email in to and world.colleague.email in to
    assert world.welfare.email in to and world.coach.email not in to
    for message in notices:
        assert world.case.reference in message.subject
        for secret in ("Yilmaz", "0612345678", "1980", "123,45", "12345"):
            assert secret not in body_of(session, message) and secret not in message.subject


def test_visibility_follows_the_referral_never_the_consent(
    client, session, world, sms_box, new_client, login
):
    """Consent permits sharing for a purpose; only a referral lets an organisation in."""
    records = _grant_online(client, session, world, sms_box, [[], ["arrears"]], refer=False)
    record = records[world.orgs["welzijn"].id]
    welfare = world.actor(world.welfare)
    # The tenant said yes to welfare, but nobody referred the case: welfare finds nothing.
    with pytest.raises(NotFound):
        load_case(session, welfare, world.case.id)
    browser = _staff_client(new_client, login, world.welfare)
    assert browser.get(f"/casussen/{world.case.id}").status_code == 404
    assert world.case.reference not in browser.get("/casussen").get_data(as_text=True)

    referral = world.refer(session, "welzijn")
    assert load_case(session, welfare, world.case.id) is world.case
    shown = sharing.reveal(session, welfare, world.case, {world.case: ["arrears_cents"]})
    assert shown.get(world.case, "arrears_cents") == 12_345

    # A withdrawal withholds the arrears; the referral still holds the case open, and the
    # acknowledgement is asked of welfare, which read the arrears under the consent.
    client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["arrears"]})
    assert load_case(session, welfare, world.case.id) is world.case
    after = sharing.reveal(session, welfare, world.case, {world.case: ["arrears_cents"]})
    assert isinstance(after.get(world.case, "arrears_cents"), Withheld)
    ack = session.scalar(select(ConsentAcknowledgement))
    assert ack.organisation_id == world.orgs["welzijn"].id

    # Once the referral ends, so does the view of the case; the acknowledgement can still be
    # given from the notices, by its own id, without entering the case.
    from handover import service as handover

    handover.withdraw(
        session, world.actor(world.owner), referral, "Verkeerd verstuurd", version=None
    )
    session.commit()
    with pytest.raises(NotFound):
        load_case(session, welfare, world.case.id)
    notices = browser.get("/toestemming/meldingen").get_data(as_text=True)
    assert world.case.reference in notices
    done = browser.post_form(f"/casussen/{world.case.id}/toestemming/bevestigingen/{ack.id}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/toestemming/meldingen")
    session.refresh(ack)
    assert ack.acknowledged_at is not None


def test_withdrawal_is_as_easy_as_granting(client, session, world, sms_box):
    """One page that asks plainly what to withdraw (nothing ticked: no "untick what you
    keep"); ticking everything and one press withdraws all of it."""
    records = _grant_online(client, session, world, sms_box, [["household", "life_map"], []])
    record = records[world.orgs["schuldhulp"].id]
    page = client.get(f"/toestemming/mijn/{record.id}/intrekken").get_data(as_text=True)
    assert "Wat wilt u intrekken?" in page
    assert "Kies een of meer. U kunt ook alles intrekken." in page
    assert page.count('type="checkbox"') == 2 and "checked" not in page
    client.post_form(
        f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["household", "life_map"]}
    )
    event = session.scalar(select(ConsentEvent))
    assert event.kind == "withdrawn" and event.ends_record and event.method == "online"
    mine = client.get("/toestemming/mijn").get_data(as_text=True)
    assert "Geldt niet meer" in mine


def test_choosing_nothing_to_withdraw_changes_nothing(client, session, world, sms_box):
    records = _grant_online(client, session, world, sms_box, [["household"], []])
    record = records[world.orgs["schuldhulp"].id]
    response = client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Kies wat u wilt intrekken" in html
    # The error is named by the question, and still nothing is ticked for her.
    assert 'id="withdraw-error"' in html and "withdraw-hint withdraw-error" in html
    assert "checked" not in html
    assert session.scalar(select(ConsentEvent)) is None


def test_another_tenant_cannot_withdraw_my_consent(
    client, session, world, sms_box, make_case, new_client
):
    records = _grant_online(client, session, world, sms_box, [["household"], []])
    record = records[world.orgs["schuldhulp"].id]
    other = another_tenant(new_client, make_case)
    assert other.get(f"/toestemming/mijn/{record.id}/intrekken").status_code == 404
    receipt = f"/toestemming/bewijs/{record.receipt_id}.json"
    assert other.get(receipt).status_code == 404


def test_professional_records_a_withdrawal_given_by_phone(
    client, session, world, sms_box, new_client, login
):
    records = _grant_online(client, session, world, sms_box, [["household", "life_map"], []])
    record = records[world.orgs["schuldhulp"].id]
    owner = _staff_client(new_client, login, world.owner)
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/{record.id}/intrekken",
        {"method": "verbal", "categories": ["life_map"]},
    )
    assert response.status_code == 302
    event = session.scalar(select(ConsentEvent))
    assert (event.method, event.user_id, event.categories) == (
        "verbal",
        world.owner.id,
        ["life_map"],
    )
    # A recipient may not record withdrawals for the tenant.
    coach = _staff_client(new_client, login, world.coach)
    refused = coach.post_form(
        f"/casussen/{world.case.id}/toestemming/{record.id}/intrekken",
        {"method": "verbal"},
    )
    assert refused.status_code == 404


def test_hooks_run_for_withdrawal_and_expiry(session, world):
    seen = []

    def pause(session_, record, event):
        seen.append((record.id, event.kind, list(event.categories)))

    hooks.on_consent_withdrawn(pause)
    try:
        items = [
            {
                "role": "debt_coach",
                "organisation_id": world.orgs["schuldhulp"].id,
                "categories": ["household", "life_map"],
            }
        ]
        (record,) = service.record_offline(
            session,
            world.actor(world.owner),
            world.case,
            person_id=world.case.persons[0].id,
            purpose=PURPOSE,
            items=items,
            method="paper",
            language="nl",
            valid_days=90,
            evidence=service.Evidence(b"%PDF-1.4 form", "application/pdf"),
        ).records
        service.withdraw(session, world.actor(world.owner), record, ["life_map"], method="paper")
        service.expire_due(session, service.IDENTITY_ACTOR, now=utcnow() + timedelta(days=91))
    finally:
        hooks.forget(pause)
    assert seen == [
        (record.id, "withdrawn", ["life_map"]),
        (record.id, "expired", ["household"]),
    ]


def test_expiry_job_records_events_and_asks_recipients_to_acknowledge(app, session, world):
    items = [
        {"role": "welfare", "organisation_id": world.orgs["welzijn"].id, "categories": ["arrears"]}
    ]
    (record,) = service.record_offline(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=PURPOSE,
        items=items,
        method="paper",
        language="nl",
        valid_days=90,
        evidence=service.Evidence(b"%PDF-1.4 form", "application/pdf"),
        now=utcnow() - timedelta(days=89),
    ).records
    world.refer(session, "welzijn")
    sharing.reveal(session, world.actor(world.welfare), world.case, {world.case: ["arrears_cents"]})
    # Past its period the consent stops counting at once, job or not.
    later = utcnow() + timedelta(days=2)
    events_ = service.expire_due(session, service.IDENTITY_ACTOR, now=later)
    assert [e.kind for e in events_] == ["expired"] and events_[0].record_id == record.id
    ack = session.scalar(select(ConsentAcknowledgement))
    assert ack.organisation_id == world.orgs["welzijn"].id and ack.event_id == events_[0].id
    assert service.expire_due(session, service.IDENTITY_ACTOR, now=later) == []


def test_expire_command(app, session, world):
    items = [
        {
            "role": "debt_coach",
            "organisation_id": world.orgs["schuldhulp"].id,
            "categories": ["household"],
        }
    ]
    service.record_offline(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=PURPOSE,
        items=items,
        method="paper",
        language="nl",
        valid_days=90,
        evidence=service.Evidence(b"%PDF-1.4 form", "application/pdf"),
        now=utcnow() - timedelta(days=91),
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["consent", "expire"])
    assert first.exit_code == 0 and "1 consent record(s) expired." in first.output
    assert "0 consent" in runner.invoke(args=["consent", "expire"]).output


def test_a_referral_style_grant_to_a_role_follows_the_consent(session, world):
    """A grant stored as a referral's service would: the consent look-up decides."""
    coach_org = world.orgs["schuldhulp"].id
    grant = Grant(coach_org, "debt_coach", PURPOSE, frozenset({"household"}), "test:1")
    set_grants(session, world.case.id, "test:1", [grant])
    coach = world.actor(world.coach)
    assert sharing.decide(session, coach, world.case, ["household"])["household"].reason == (
        "consent_missing"
    )
    items = [{"role": "debt_coach", "organisation_id": None, "categories": ["household"]}]
    (record,) = service.record_offline(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=PURPOSE,
        items=items,
        method="paper",
        language="nl",
        valid_days=365,
        evidence=service.Evidence(b"%PDF-1.4 form", "application/pdf"),
    ).records
    decision = sharing.decide(session, coach, world.case, ["household"])["household"]
    assert decision.allowed and decision.basis == f"consent:{record.id}"
    service.withdraw(session, world.actor(world.owner), record, None, method="verbal")
    decision = sharing.decide(session, coach, world.case, ["household"])["household"]
    assert not decision.allowed and decision.reason == "consent_withdrawn"
