"""The whole online flow in the test client: invitation, proof, one question per page,
check, confirmation, receipt; then withdrawal from "my consents"."""

from __future__ import annotations

import json

from sqlalchemy import select

from consent.models import ConsentRecord
from tests.consent.conftest import answer, ask, events, prove


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
