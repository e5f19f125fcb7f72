"""The whole online flow in the test client: invitation, proof, one question per page,
check, confirmation, receipt; then withdrawal from "my consents"."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from consent import service
from consent.models import ConsentRecord
from portal.outbox.service import body_of, recipient
from portal.sharing import reveal
from tests.consent.conftest import answer, ask, events, last_code, outbox, prove


def test_tenant_grants_part_of_a_request(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    assert set(tokens) == {"sms"}
    assert sms_box and "/t/" in sms_box[-1][1]
    proved = prove(client, tokens["sms"], sms_box)
    assert proved.status_code == 302, proved.get_data(as_text=True)
    assert proved.headers["Location"].endswith("/toestemming/vraag")
    intro = client.get("/toestemming/vraag").get_data(as_text=True)
    assert "Vraag om uw toestemming" in intro
    done = answer(client, [["household", "contact_history"], []])
    assert done.status_code == 302, done.get_data(as_text=True)
    records = list(session.scalars(select(ConsentRecord)))
    assert len(records) == 1
    assert records[0].categories == ["household", "contact_history"]
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Uw toestemming is bewaard" in page
    receipt = client.get(f"/toestemming/bewijs/{records[0].receipt_id}.json")
    data = json.loads(receipt.get_data(as_text=True))
    assert data["ketenportaal"]["records"][0]["categories"] == ["household", "contact_history"]
    pdf = client.get(f"/toestemming/bewijs/{records[0].receipt_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert events(session, "consent.given")


def test_a_legal_representative_answers_online(client, session, world, sms_box):
    rep = service.Representative(
        name="Mr. B. Bewind", mandate="bewindvoerder", email="bewind@kantoor.example"
    )
    _request, tokens = ask(session, world, channels=("email",), representative=rep)
    (invitation,) = outbox(session, "consent_invitation")
    assert recipient(session, invitation) == "bewind@kantoor.example"
    assert "Bewind" not in body_of(session, invitation)
    client.get(f"/t/{tokens['email']}")
    page = client.get("/toestemming/wie-bent-u").get_data(as_text=True)
    assert "wettelijk vertegenwoordiger" in page and "DigiD" not in page
    sms_box.clear()
    client.post_form("/toestemming/wie-bent-u")
    (code_mail,) = outbox(session, "consent_code")
    assert recipient(session, code_mail) == "bewind@kantoor.example" and not sms_box
    proved = client.post_form(
        "/toestemming/code",
        {
            "code": last_code([("", body_of(session, code_mail))]),
            "day": "17",
            "month": "5",
            "year": "1980",
        },
    )
    assert proved.status_code == 302
    assert "als wettelijk vertegenwoordiger" in client.get("/toestemming/vraag").get_data(
        as_text=True
    )
    answer(client, [["household"], []])
    record = session.scalar(select(ConsentRecord))
    assert record.given_by == "representative"
    assert record.text.body.count("wettelijk vertegenwoordiger") == 1
    shown = reveal(
        session,
        world.actor(world.owner),
        world.case,
        {record: ["representative_name", "representative_mandate"]},
    )
    assert shown.get(record, "representative_name") == "Mr. B. Bewind"
    assert shown.get(record, "representative_mandate") == "bewindvoerder"


def test_declining_everything_records_nothing(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    # The questions start unticked: nothing is agreed before the tenant says so.
    check = client.get("/toestemming/vraag/1")
    assert "checked" not in check.get_data(as_text=True)
    done = answer(client, [[], []])
    assert done.headers["Location"].endswith("/toestemming/klaar")
    assert session.scalar(select(ConsentRecord)) is None
    assert events(session, "consent.declined")
    assert "U gaf geen toestemming" in client.get("/toestemming/klaar").get_data(as_text=True)


def test_answering_twice_is_refused(client, session, world, sms_box):
    request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    answer(client, [["household"], []])
    again = client.get(f"/toestemming/verzoek/{request.id}")
    assert again.status_code == 302
    page = client.get("/toestemming/vraag")
    assert page.status_code == 409 and "al beantwoord" in page.get_data(as_text=True)


def test_a_changed_answer_after_the_check_page_is_refused(client, session, world, sms_box):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    client.post_form("/toestemming/vraag/1", {"categories": ["household"]})
    client.post_form("/toestemming/vraag/2", {})
    page = client.get("/toestemming/controleren").get_data(as_text=True)
    digest = re.search(r'name="statement_sha256" value="([0-9a-f]{64})"', page).group(1)
    # In another tab the tenant also ticks the life map: the text they saw no longer fits.
    client.post_form("/toestemming/vraag/1", {"categories": ["household", "life_map"]})
    refused = client.post_form("/toestemming/controleren", {"statement_sha256": digest})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/controleren")
    assert session.scalar(select(ConsentRecord)) is None
