"""The receipt lists exactly what was agreed: the Kantara-shaped JSON and the PDF's text."""

from __future__ import annotations

import json

from sqlalchemy import select

from consent.models import ConsentRecord
from tests.consent.conftest import answer, ask, prove
from tests.consent.test_professional import pdf_text


def _given(client, session, world, sms_box, choices, language="nl"):
    _request, tokens = ask(session, world, language=language)
    prove(client, tokens["sms"], sms_box)
    if language != "nl":
        client.get(f"/taal/{language}")
    assert answer(client, choices).status_code == 302
    return list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)))


def test_json_receipt_has_the_kantara_shape_and_exactly_the_agreement(
    client, session, world, sms_box
):
    records = _given(
        client, session, world, sms_box, [["household", "contact_history"], ["finances"]]
    )
    receipt_id = records[0].receipt_id
    assert {r.receipt_id for r in records} == {receipt_id}
    response = client.get(f"/toestemming/bewijs/{receipt_id}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    for key in (
        "version",
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "language",
        "piiPrincipalId",
        "piiControllers",
        "policyUrl",
        "services",
        "sensitive",
        "spiCat",
    ):
        assert key in data, key
    assert data["version"] == "KI-CR-v1.1.0" and data["consentReceiptID"] == receipt_id
    assert data["piiPrincipalId"] == "A. Yilmaz"
    (service,) = data["services"]
    assert service["service"] == "Schuldhulpverlening"
    agreed = {p["thirdPartyName"]: p["piiCategory"] for p in service["purposes"]}
    assert agreed == {
        "Gemeente Demostad — Schuldhulpverlening (Schuldhulpcoach)": [
            "Huishouden",
            "Contactgeschiedenis",
        ],
        "Welzijn Demostad (Welzijn)": ["Geldzaken"],
    }
    assert all(p["consentType"] == "EXPLICIT" for p in service["purposes"])
    extra = data["ketenportaal"]
    assert [r["categories"] for r in extra["records"]] == [
        ["household", "contact_history"],
        ["finances"],
    ]
    assert extra["statementSha256"] == records[0].text_sha256
    assert data["sensitive"] is False and data["spiCat"] == []
    # What was declined (the life map for the coach) is on no list of the receipt.
    assert "life_map" not in json.dumps(extra["records"]) and "Levenskaart" not in json.dumps(
        service
    )


def test_pdf_receipt_lists_exactly_what_was_agreed(client, session, world, sms_box):
    records = _given(client, session, world, sms_box, [["household"], ["finances"]])
    response = client.get(f"/toestemming/bewijs/{records[0].receipt_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    agreed, statement = text.split("De tekst van uw toestemming", 1)
    assert "Bewijs van uw toestemming" in agreed and "A. Yilmaz" in agreed
    assert "Huishouden" in agreed and "Geldzaken" in agreed
    for declined in ("Contactgeschiedenis", "Levenskaart"):
        assert declined not in agreed
    # The statement the tenant confirmed is printed in full, with what they declined.
    assert "Ik geef geen toestemming voor:" in statement
    assert "Levenskaart" in statement
    assert records[0].text_sha256 in statement.replace(" ", "")


def test_receipt_in_turkish_and_after_a_withdrawal(client, session, world, sms_box):
    records = _given(client, session, world, sms_box, [["household", "life_map"], []], "tr")
    record = records[0]
    assert record.language == "tr"
    assert record.text.body.startswith("Bilgi paylaşımı için onay")
    client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["life_map"]})
    data = json.loads(client.get(f"/toestemming/bewijs/{record.receipt_id}.json").data)
    assert data["language"] == "tr"
    (line,) = data["ketenportaal"]["records"]
    assert line["categories"] == ["household", "life_map"]  # what was agreed then
    assert line["withdrawnCategories"] == ["life_map"] and line["status"] == "valid"
    text = pdf_text(client.get(f"/toestemming/bewijs/{record.receipt_id}.pdf").data)
    assert "Sonradan geri çekildi" in text and "Yaşam haritası" in text


def test_receipt_needs_the_tenant_session(client, session, world, sms_box, new_client):
    records = _given(client, session, world, sms_box, [["household"], []])
    stranger = new_client()
    response = stranger.get(f"/toestemming/bewijs/{records[0].receipt_id}.json")
    assert response.status_code == 303
    assert client.get("/toestemming/bewijs/not-a-receipt.json").status_code == 404
