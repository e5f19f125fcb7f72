"""A legal representative (bewindvoerder) acts for the tenant: the owner records the mandate
from the court's decision, the representative signs in as themself (a code to their own
phone, with the birth date of the person they act for), and every action under it carries
the mandate: in the audit log, on her messages, on a consent. Ending the mandate ends it."""

from __future__ import annotations

from sqlalchemy import select

from consent.models import ConsentRecord
from portal.audit.models import AuditEvent
from portal.cases.models import TenantMandate, TenantSay
from portal.crypto.fields import decrypt_field
from tests.consent.conftest import BIRTH, answer, ask, last_code

REP_PHONE = "06 11223344"
REP_E164 = "+31611223344"


def record_mandate(session, world, staff, **overrides):
    owner = staff(world.owner)
    url = f"/casussen/{world.case.id}/vertegenwoordiger/nieuw"
    form = owner.get(url).get_data(as_text=True)
    assert "Kenmerk van de uitspraak" in form and "Bewindvoerder" in form
    data = {
        "person_id": str(world.case.persons[0].id),
        "kind": "bewindvoerder",
        "name": "Bewindvoering Voorbeeld B.V.",
        "phone": REP_PHONE,
        "email": "",
        "since": "2026-03-01",
        "evidence": "C/16/123456 / FA RK 26-1234",
        **overrides,
    }
    return owner, owner.post_form(url, data)


def sign_in_as_representative(client, sms_box, birth=BIRTH):
    sms_box.clear()
    sent = client.post_form("/toestemming/terugkomen", {"contact": REP_PHONE})
    assert sent.status_code == 302 and sms_box and sms_box[-1][0] == REP_E164
    return client.post_form(
        "/toestemming/code",
        {
            "code": last_code(sms_box),
            "day": str(birth.day),
            "month": str(birth.month),
            "year": str(birth.year),
        },
    )


def test_the_owner_records_a_mandate_and_bad_input_changes_nothing(session, world, staff):
    _owner, bad = record_mandate(session, world, staff, evidence="", phone="12")
    assert bad.status_code == 400 and session.scalar(select(TenantMandate.id)) is None
    _owner, bad = record_mandate(session, world, staff, phone="", email="")
    assert bad.status_code == 400 and "code om in te loggen" in bad.get_data(as_text=True)
    owner, done = record_mandate(session, world, staff)
    assert done.status_code == 303
    (mandate,) = session.scalars(select(TenantMandate))
    assert mandate.active and mandate.sms_digest
    page = owner.get(f"/casussen/{world.case.id}").get_data(as_text=True)
    assert "Bewindvoering Voorbeeld B.V." in page and "FA RK 26-1234" in page
    # A partner cannot record one.
    coach = staff(world.coach)
    url = f"/casussen/{world.case.id}/vertegenwoordiger/nieuw"
    assert coach.post_form(url, {"kind": "mentor"}).status_code == 404


def test_the_representative_signs_in_and_acts_under_the_mandate(
    session, world, staff, client, sms_box
):
    world.refer(session, "schuldhulp")
    owner, _done = record_mandate(session, world, staff)
    (mandate,) = session.scalars(select(TenantMandate))
    # A wrong birth date (their own, say) proves nothing.
    refused = sign_in_as_representative(client, sms_box, birth=BIRTH.replace(year=1970))
    assert refused.status_code == 400
    signed = sign_in_as_representative(client, sms_box)
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/mijn-zaak")
    page = client.get("/mijn-zaak").get_data(as_text=True)
    assert "U bent ingelogd als bewindvoerder" in page

    client.post_form("/mijn-zaak/inbreng", {"kind": "view", "text": "Wij regelen de huur."})
    (say,) = session.scalars(select(TenantSay))
    assert say.mandate_id == mandate.id
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.say")).one()
    assert event.on_behalf_of == f"mandate:{mandate.id}" and event.actor_label == "representative"
    assert "geschreven door uw vertegenwoordiger" in client.get("/mijn-zaak").get_data(as_text=True)
    case_page = owner.get(f"/casussen/{world.case.id}").get_data(as_text=True)
    assert "geschreven door een wettelijk vertegenwoordiger" in case_page


def test_a_consent_given_by_the_representative_names_them(session, world, staff, client, sms_box):
    record_mandate(session, world, staff)
    request, _tokens = ask(session, world)
    assert sign_in_as_representative(client, sms_box).status_code == 302
    assert client.get(f"/toestemming/verzoek/{request.id}").status_code == 302
    done = answer(client, [["household"], []])
    assert done.status_code == 302
    (record,) = session.scalars(select(ConsentRecord))
    assert record.given_by == "representative"
    assert decrypt_field(record, "representative_name", session=session) == (
        "Bewindvoering Voorbeeld B.V."
    )
    assert decrypt_field(record, "representative_mandate", session=session) == "bewindvoerder"


def test_ending_the_mandate_ends_the_representatives_session(
    session, world, staff, client, sms_box
):
    owner, _done = record_mandate(session, world, staff)
    (mandate,) = session.scalars(select(TenantMandate))
    assert sign_in_as_representative(client, sms_box).status_code == 302
    assert client.get("/mijn-zaak").status_code == 200
    ended = owner.post_form(f"/casussen/{world.case.id}/vertegenwoordiger/{mandate.id}/beeindigen")
    assert ended.status_code == 303
    assert client.get("/mijn-zaak").status_code == 303  # to "your session ended"
    # Ending twice is refused; and the representative no longer gets a code.
    again = owner.post_form(f"/casussen/{world.case.id}/vertegenwoordiger/{mandate.id}/beeindigen")
    assert again.status_code == 400
    sms_box.clear()
    client.post_form("/toestemming/terugkomen", {"contact": REP_PHONE})
    assert not sms_box
