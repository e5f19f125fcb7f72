"""The tenant's right of access (GDPR art. 15), "Mijn gegevens": her own data whole, of the
other members of her household only their names, never a note, a reason or a motivation a
partner wrote, never another household's case; one audit event per look; downloads whose
names hold no personal data; the page in every tenant language."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from handover import service as handover
from handover.decisions import service as decisions
from portal.cases import groundwork
from portal.cases.service import PersonData, add_person
from tests.consent.conftest import another_tenant, ask, events, prove
from tests.consent.test_professional import pdf_text

ATTEMPT_NOTE = "Werknotitie knNOTE101q over de huurder"
DEBTS_NOTE = "Schuldennotitie knNOTE202q"
REFERRAL_NOTE = "Overdrachtsnotitie knNOTE303q"
MOTIVATION = "Motivering knNOTE404q van het besluit"
SECRETS = (ATTEMPT_NOTE, DEBTS_NOTE, REFERRAL_NOTE, MOTIVATION, "knNOTE")
#: The main tenant's BSN (``tests.conftest.main_tenant``) and the child's own data.
HER_BSN = "111222333"
CHILD = PersonData(
    surname="Yilmaz-Demir",
    initials="K.",
    birth_date=date(2015, 3, 4),
    bsn="987654305",
    phone="06 87654321",
    email="kind.demir@example.org",
    relation="child",
)
CHILD_SECRETS = ("987654305", "2015-03-04", "4 maart 2015", "87654321", "kind.demir@example.org")
FILE_NAME = re.compile(r'^attachment; filename="mijn-gegevens-\d{4}-\d{2}-\d{2}\.(json|pdf)"$')


@pytest.fixture
def filled(session, world):
    """Her case with a child, groundwork with notes, a referral with a note and a decision
    with a motivation: everything a partner wrote is there to leak."""
    owner = world.actor(world.owner)
    add_person(session, owner, world.case, CHILD)
    groundwork.add_contact_attempt(
        session,
        owner,
        world.case,
        groundwork.ContactAttemptData(date(2026, 1, 5), "phone", "reached", note=ATTEMPT_NOTE),
    )
    groundwork.add_letter(
        session, owner, world.case, groundwork.LetterData(date(2026, 1, 2), "reminder")
    )
    groundwork.add_agreement(
        session, owner, world.case, groundwork.AgreementData(5_000, date(2026, 2, 1), "active")
    )
    groundwork.save_finances(
        session,
        owner,
        world.case,
        groundwork.FinancesData("benefit", 140_000, 320_000, DEBTS_NOTE, "applied"),
    )
    handover.send(
        session, owner, world.case, purpose="debt_help",
        recipient_org_id=world.orgs["schuldhulp"].id, note=REFERRAL_NOTE,
    )  # fmt: skip
    decisions.open_decision(
        session, owner, world.case, kind="eviction", grounds=["arrears"],
        court_status="none", judgment_date=None, motivation=MOTIVATION,
    )  # fmt: skip
    session.commit()
    return world


def _signed_in(session, world, client, sms_box):
    _request, tokens = ask(session, world)
    assert prove(client, next(iter(tokens.values())), sms_box).status_code == 302
    return client


def test_every_page_needs_her_session(client, session, world):
    for url in ("/mijn-gegevens", "/mijn-gegevens.json", "/mijn-gegevens.pdf"):
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["Location"].endswith("/toestemming/sessie-verlopen")


def test_the_download_holds_her_data_and_only_names_of_the_others(client, session, filled, sms_box):
    _signed_in(session, filled, client, sms_box)
    response = client.get("/mijn-gegevens.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert FILE_NAME.match(response.headers["Content-Disposition"])
    body = response.get_data(as_text=True)
    data = json.loads(body)
    me = data["myself"]
    assert me["surname"] == "Yilmaz" and me["bsn"] == HER_BSN
    assert me["birth_date"] == "1980-05-17" and me["city"] == "Demostad"
    (child,) = data["household"]
    assert child == {
        "initials": "K.",
        "surname": "Yilmaz-Demir",
        "relation": "Kind",
        "minor": True,
    }
    assert "BSN" in data["household_notice"]
    for secret in CHILD_SECRETS + SECRETS:
        assert secret not in body, secret
    assert data["case"]["reference"] == filled.case.reference
    assert data["case"]["arrears_cents"] == 12_345
    work = data["groundwork"]
    assert work["contact_attempts"][0]["channel"] == "Telefoon"
    assert work["contact_attempts"][0]["outcome"] == "Bereikt"
    assert work["contact_attempts"][0]["day"] == "2026-01-05"
    assert work["letters"][0]["kind"] == "Betalingsherinnering"
    assert work["agreements"][0]["status"] == "Loopt"
    assert work["finances"]["income_source"] == "Uitkering"
    assert work["finances"]["debts_cents"] == 320_000
    assert "aantekeningen" in data["notes_notice"]
    (referral,) = data["referrals"]
    assert referral["recipient"] == filled.orgs["schuldhulp"].name
    assert referral["purpose"] == "Schuldhulpverlening"
    assert referral["status"] == "Gevraagd, nog geen antwoord"
    (decision,) = data["decisions"]
    assert decision["kind"] == "Ontruiming" and decision["outcome"] is None
    purposes = [p["purpose"] for p in data["processing"]]
    assert "Schuldhulpverlening" in purposes and "Gezamenlijk besluit over ontruiming" in purposes
    assert any(r["title"] == "Klagen" and "Autoriteit Persoonsgegevens" in r["text"]
               for r in data["rights"])  # fmt: skip
    assert {r["category"] for r in data["retention"]} >= {"Identiteit", "Geldzaken"}
    assert any("huurachterstand" in s["text"] or "portaal" in s["text"] for s in data["sources"])


def test_the_page_masks_her_bsn_and_shows_no_partner_text(client, session, filled, sms_box):
    _signed_in(session, filled, client, sms_box)
    html = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "Mijn gegevens" in html and 'aria-current="page"' in html
    assert "*****2333" in html and HER_BSN not in html
    assert "Yilmaz-Demir" in html and filled.case.reference in html
    for secret in CHILD_SECRETS + SECRETS:
        assert secret not in html, secret
    assert "/mijn-gegevens.pdf" in html and "/mijn-gegevens.json" in html


def test_the_pdf_is_a_pdf_without_partner_text(client, session, filled, sms_box):
    _signed_in(session, filled, client, sms_box)
    response = client.get("/mijn-gegevens.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert FILE_NAME.match(response.headers["Content-Disposition"])
    text = pdf_text(response.data)
    assert "Mijn gegevens" in text and HER_BSN in text and "Yilmaz-Demir" in text
    for secret in CHILD_SECRETS + SECRETS:
        assert secret not in text, secret


def test_file_names_hold_no_personal_data(client, session, filled, sms_box):
    _signed_in(session, filled, client, sms_box)
    for url in ("/mijn-gegevens.json", "/mijn-gegevens.pdf"):
        name = client.get(url).headers["Content-Disposition"]
        for personal in ("Yilmaz", HER_BSN, filled.case.reference, "1980"):
            assert personal not in name


def test_each_look_is_one_audit_event(client, session, filled, sms_box):
    _signed_in(session, filled, client, sms_box)
    before = len(events(session, "tenant.my_data"))
    assert client.get("/mijn-gegevens").status_code == 200
    found = events(session, "tenant.my_data")
    assert len(found) == before + 1
    assert found[-1].case_id == filled.case.id and found[-1].actor_kind == "tenant"
    assert "identity" in found[-1].categories and "household" in found[-1].categories
    client.get("/mijn-gegevens.json")
    assert len(events(session, "tenant.my_data")) == before + 2


def test_another_household_never_sees_this_case(app, session, filled, make_case, new_client):
    other = another_tenant(new_client, make_case)
    page = other.get("/mijn-gegevens").get_data(as_text=True)
    body = other.get("/mijn-gegevens.json").get_data(as_text=True)
    for text in (page, body):
        assert filled.case.reference not in text
        assert "Yilmaz" not in text and HER_BSN not in text


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_the_page_renders_in_her_language(client, session, filled, sms_box, lang):
    _signed_in(session, filled, client, sms_box)
    client.get(f"/taal/{lang}")
    response = client.get("/mijn-gegevens")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert filled.case.reference in html
    data = json.loads(client.get("/mijn-gegevens.json").get_data(as_text=True))
    assert data["language"] == lang
    assert client.get("/mijn-gegevens.pdf").data.startswith(b"%PDF")
