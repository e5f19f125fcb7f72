"""The receiver checks the groundwork item by item (verified, or disputed with a note), the
next partner on the ladder sees those verdicts, and a consent that stops counting shows on
every referral that relied on it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, text

from consent import service as consent_service
from handover import service
from handover.models import ItemCheck, Referral
from portal.audit.models import AuditEvent
from portal.cases.groundwork import (
    AgreementData,
    ContactAttemptData,
    LifeDomainData,
    add_agreement,
    add_contact_attempt,
    save_life_map,
)
from portal.errors import Conflict, DomainError, NotFound
from portal.sharing import Withheld, reveal
from tests.handover.conftest import refer


def _accepted(session, people, case) -> Referral:
    referral = refer(session, people, case)
    return service.accept(session, people["schuldhulp"][1], referral, version=referral.version)


def _agreement(session, people, case):
    return add_agreement(
        session,
        people["corporatie"][1],
        case,
        AgreementData(amount_cents=12_500, starts_on=date(2026, 10, 1), note="Regeling A"),
    )


def test_coach_verifies_the_arrears_and_disputes_an_arrangement(session, people, case):
    """Scenario A, step 5: the coach marks the arrears figure as verified."""
    coach = people["schuldhulp"][1]
    agreement = _agreement(session, people, case)
    referral = _accepted(session, people, case)

    service.check_item(session, coach, referral, "arrears", case.id, "verified")
    service.check_item(
        session,
        coach,
        referral,
        "agreement",
        agreement.id,
        "disputed",
        "Canary: het bedrag is 100 euro, niet 125.",
    )
    checks = service.item_checks(session, case)
    assert [c.status for c in checks[("arrears", case.id)]] == ["verified"]
    (dispute,) = checks[("agreement", agreement.id)]
    assert dispute.status == "disputed" and dispute.organisation_id == coach.organisation_id

    # The note is ciphertext at rest and only readable through the policy point.
    raw = session.execute(
        text("SELECT note FROM referral_item_check WHERE id = :id"), {"id": dispute.id}
    ).scalar_one()
    assert b"Canary" not in bytes(raw)
    shown = reveal(session, people["corporatie"][1], case, {dispute: ["note"]})
    assert shown.get(dispute, "note").startswith("Canary")

    # The audit log names the item and the verdict, never the note.
    audits = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.item_check")
    ).all()
    assert len(audits) == 2 and all("Canary" not in a.detail for a in audits)
    assert {a.detail_dict["status"] for a in audits} == {"verified", "disputed"}

    # Checking again replaces the verdict: still one row per referral and item.
    service.check_item(session, coach, referral, "agreement", agreement.id, "verified")
    assert session.scalar(select(func.count()).select_from(ItemCheck)) == 2
    assert service.item_checks(session, case)[("agreement", agreement.id)][0].status == "verified"
    session.refresh(dispute)
    assert dispute.note is None


@pytest.mark.parametrize(
    ("status", "note", "message"),
    [("disputed", "", "reden"), ("disputed", " x ", "reden"), ("maybe", None, "Kies")],
)
def test_a_dispute_needs_a_note_and_the_verdict_must_be_known(
    session, people, case, status, note, message
):
    referral = _accepted(session, people, case)
    with pytest.raises(DomainError, match=message):
        service.check_item(
            session, people["schuldhulp"][1], referral, "arrears", case.id, status, note
        )
    assert session.scalar(select(func.count()).select_from(ItemCheck)) == 0


def test_only_the_receiver_checks_and_only_items_of_its_package(session, people, case, make_case):
    coach = people["schuldhulp"][1]
    referral = refer(session, people, case)
    with pytest.raises(Conflict):  # not accepted yet
        service.check_item(session, coach, referral, "arrears", case.id, "verified")
    service.accept(session, coach, referral, version=referral.version)

    with pytest.raises(NotFound):  # the sender is not the receiver
        service.check_item(
            session, people["corporatie"][1], referral, "arrears", case.id, "verified"
        )
    with pytest.raises(NotFound):  # nor is a third partner
        service.check_item(session, people["welzijn"][1], referral, "arrears", case.id, "verified")

    other = make_case("corporatie", surname="Anderpersoon")
    elsewhere = _agreement(session, people, other)
    life = save_life_map(
        session,
        people["corporatie"][1],
        case,
        {"finances": LifeDomainData(status="worried", note="Zorgen")},
    )[0]
    hostile = [
        ("arrears", other.id),  # another case's arrears
        ("agreement", elsewhere.id),  # another case's item
        ("agreement", 999_999),  # no such item
        ("case_file", case.id),  # not an item type
        ("life_map", life.id),  # not in the package: no consent for the life map
    ]
    for item_type, item_id in hostile:
        with pytest.raises(NotFound):
            service.check_item(session, coach, referral, item_type, item_id, "verified")
    assert session.scalar(select(func.count()).select_from(ItemCheck)) == 0


def test_welfare_sees_what_the_coach_checked_and_added(
    session, people, case, give_consent, sender_chooses
):
    """Scenario B: the coach returns the case; welfare gets everything gathered so far, the
    coach's failed attempts and its verdicts included, and checks nothing twice."""
    give_consent(
        {
            "schuldhulp": ["contact_history"],
            "welzijn": ["identity", "contact", "finances", "contact_history"],
        }
    )
    coach = people["schuldhulp"][1]
    welfare_user, welfare = people["welzijn"]
    agreement = _agreement(session, people, case)
    referral = _accepted(session, people, case)
    service.check_item(session, coach, referral, "arrears", case.id, "verified")
    service.check_item(
        session, coach, referral, "agreement", agreement.id, "disputed", "Regeling is gestopt."
    )
    # The coach records its own failed attempt (the contact history is in its package).
    attempt = add_contact_attempt(
        session,
        coach,
        case,
        ContactAttemptData(date(2026, 11, 2), "phone", "not_reached", "Schuldhulp: geen gehoor"),
    )
    service.return_to_sender(session, coach, referral, "Geen contact.", version=referral.version)
    nxt = service.escalate(
        session,
        people["corporatie"][1],
        referral,
        recipient_org_id=welfare_user.organisation_id,
        note=None,
        version=referral.version,
    )
    assert set(nxt.categories) == {"identity", "contact", "finances", "contact_history"}
    service.accept(session, welfare, nxt, version=nxt.version)

    checks = service.item_checks(session, case)
    assert checks[("arrears", case.id)][0].referral_id == referral.id
    shown = reveal(session, welfare, case, {checks[("agreement", agreement.id)][0]: ["note"]})
    assert shown.get(checks[("agreement", agreement.id)][0], "note") == "Regeling is gestopt."
    shown = reveal(session, welfare, case, {attempt: ["note"]})
    assert shown.get(attempt, "note") == "Schuldhulp: geen gehoor"
    assert attempt.organisation_id == coach.organisation_id
    # Welfare adds its own verdict next to the coach's.
    service.check_item(session, welfare, nxt, "agreement", agreement.id, "verified")
    verdicts = service.item_checks(session, case)[("agreement", agreement.id)]
    assert [(c.referral_id, c.status) for c in verdicts] == [
        (referral.id, "disputed"),
        (nxt.id, "verified"),
    ]


def test_withdrawn_consent_shows_on_the_referral_and_withholds_the_category(
    session, people, case, give_consent
):
    """Scenario A, step 6: consent for part of the package is withdrawn while help runs."""
    records = give_consent({"schuldhulp": ["household", "contact_history"]})
    coach = people["schuldhulp"][1]
    attempt = add_contact_attempt(
        session,
        people["corporatie"][1],
        case,
        ContactAttemptData(date(2026, 11, 2), "house_visit", "reached", "Gesprek thuis"),
    )
    referral = _accepted(session, people, case)
    assert "contact_history" in referral.categories
    service.check_item(session, coach, referral, "contact_attempt", attempt.id, "verified")

    consent_service.withdraw(
        session, people["corporatie"][1], records["schuldhulp"], ["contact_history"], method="paper"
    )
    session.refresh(referral)
    event = referral.events[-1]
    assert event.kind == "consent_withdrawn" and event.categories == ["contact_history"]
    assert event.from_status == event.to_status == "accepted"
    assert referral.status == "accepted"  # help goes on with what is still shared

    shown = reveal(session, coach, case, {attempt: ["note"]})
    assert isinstance(shown.get(attempt, "note"), Withheld)
    with pytest.raises(NotFound):  # what the coach no longer sees, it cannot check either
        service.check_item(
            session, coach, referral, "contact_attempt", attempt.id, "disputed", "x y z"
        )


def test_consent_for_another_partner_does_not_touch_the_referral(
    session, people, case, give_consent
):
    records = give_consent({"welzijn": ["household"]})
    referral = _accepted(session, people, case)
    events = len(referral.events)
    consent_service.withdraw(
        session, people["corporatie"][1], records["welzijn"], None, method="paper"
    )
    session.refresh(referral)
    assert len(referral.events) == events


# --- through the pages ----------------------------------------------------------------------


@pytest.fixture
def coach_client(app, people, login):
    from tests.conftest import Client

    app.test_client_class = Client
    return login(app.test_client(), people["schuldhulp"][0])


def _csrf(html: str, prefix: str) -> str:
    match = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no form {prefix}"
    return match.group(1)


def test_coach_checks_items_on_the_intake_page(coach_client, session, people, case):
    agreement = _agreement(session, people, case)
    referral = _accepted(session, people, case)
    url = f"/overdrachten/{referral.id}"
    page = coach_client.get(url).get_data(as_text=True)
    arrears = f"check-arrears-{case.id}"
    assert f'id="{arrears}-status-0"' in page and "Controleren" in page

    done = coach_client.post(
        f"{url}/controle/arrears/{case.id}",
        data={f"{arrears}-csrf_token": _csrf(page, arrears), f"{arrears}-status": "verified"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#{arrears}")

    # A dispute without a note: the form says what is missing and nothing is stored.
    prefix = f"check-agreement-{agreement.id}"
    refused = coach_client.post(
        f"{url}/controle/agreement/{agreement.id}",
        data={f"{prefix}-csrf_token": _csrf(page, prefix), f"{prefix}-status": "disputed"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Schrijf op wat er niet klopt." in html
    assert 'aria-invalid="true"' in html and '<details class="kp-check-form" open>' in html
    assert ("agreement", agreement.id) not in service.item_checks(session, case)

    page = coach_client.get(url).get_data(as_text=True)
    assert "Klopt</span>" in page and people["schuldhulp"][0].organisation.name in page


def test_check_urls_treat_ids_as_hostile(
    coach_client, session, people, case, make_case, app, login
):
    referral = _accepted(session, people, case)
    prefix = f"check-arrears-{case.id}"
    token = coach_client.csrf_token()
    other = make_case("corporatie", surname="Anderpersoon")
    session.commit()  # as the pages would have: a refused request rolls back to here
    for path in (f"arrears/{other.id}", "agreement/424242", "onbekend/1"):
        name = path.replace("/", "-")
        response = coach_client.post(
            f"/overdrachten/{referral.id}/controle/{path}",
            data={f"check-{name}-csrf_token": token, f"check-{name}-status": "verified"},
        )
        assert response.status_code == 404, path
    # The sender and outsiders cannot check, not even with a valid form.
    for slug in ("corporatie", "welzijn"):
        client = login(app.test_client(), people[slug][0])
        response = client.post(
            f"/overdrachten/{referral.id}/controle/arrears/{case.id}",
            data={f"{prefix}-csrf_token": client.csrf_token(), f"{prefix}-status": "verified"},
        )
        assert response.status_code == 404, slug
    assert session.scalar(select(func.count()).select_from(ItemCheck)) == 0


def test_receiver_is_told_what_consent_no_longer_covers(
    coach_client, session, people, case, give_consent
):
    records = give_consent({"schuldhulp": ["household"]})
    referral = _accepted(session, people, case)
    consent_service.withdraw(
        session, people["corporatie"][1], records["schuldhulp"], None, method="paper"
    )
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "Niet (meer) zichtbaar voor u" in page
    assert "Toestemming ingetrokken voor" in page


def test_a_closed_referral_no_longer_shows_the_receiver_the_intake(
    coach_client, session, people, case
):
    referral = _accepted(session, people, case)
    service.check_item(session, people["schuldhulp"][1], referral, "arrears", case.id, "verified")
    service.return_to_sender(
        session, people["schuldhulp"][1], referral, "Geen contact.", version=referral.version
    )
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "niet meer met uw organisatie gedeeld" in page
    assert "Testpersoon" not in page and "Controleren" not in page
