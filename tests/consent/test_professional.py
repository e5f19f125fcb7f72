"""The professional's consent pages: status and history, the live panel, asking, verbal and
paper consent, letters; and who may reach which page."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from consent.models import ConsentEvidence, ConsentInvitation, ConsentRecord, ConsentRequest
from portal.outbox.service import body_of, recipient
from tests.consent.conftest import answer, ask, events, outbox, prove


def _scan() -> bytes:
    """A real (one blank page) PDF: the portal opens what it is given."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "a scanned, signed consent form (test)"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _scan()


def pdf_text(data: bytes) -> str:
    """Text of a PDF through poppler's pdftotext (Debian's poppler-utils), with every run of
    white space made one space (table cells wrap)."""
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


@pytest.fixture
def owner(new_client, login, world):
    browser = new_client()
    login(browser, world.owner)
    return browser


def staff(new_client, login, user):
    browser = new_client()
    login(browser, user)
    return browser


def test_page_and_live_panel(owner, session, world, sms_box):
    ask(session, world)
    page = owner.get(f"/casussen/{world.case.id}/toestemming")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HX-Request" in page.headers.get("Vary", "")
    assert 'hx-trigger="every 30s"' in html and "/toestemming/paneel" in html
    assert "TV-" in html and "wacht op antwoord" in html and "Yilmaz" in html
    fragment = owner.get(
        f"/casussen/{world.case.id}/toestemming/paneel", headers={"HX-Request": "true"}
    )
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and "kp-panel" in body
    assert "Open verzoeken: 1" in body and "Yilmaz" not in body
    assert "HX-Request" in fragment.headers.get("Vary", "")
    full = owner.get(f"/casussen/{world.case.id}/toestemming/paneel")
    assert "<html" in full.get_data(as_text=True)


def test_panel_changes_on_the_next_poll(owner, client, session, world, sms_box):
    _request, tokens = ask(session, world)
    url = f"/casussen/{world.case.id}/toestemming/paneel"
    before = owner.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Geldige toestemmingen: 0" in before
    prove(client, tokens["sms"], sms_box)
    answer(client, [["household"], []])
    after = owner.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Geldige toestemmingen: 1" in after and "Huishouden" in after


def test_other_organisations_get_404_everywhere(session, world, sms_box, new_client, login):
    request, _tokens = ask(session, world)
    outsider = staff(new_client, login, world.welfare)  # not a recipient of anything yet
    base = f"/casussen/{world.case.id}/toestemming"
    for url in (base, f"{base}/paneel", f"{base}/vragen", f"{base}/vastleggen"):
        assert outsider.get(url).status_code == 404, url
    for action in ("opnieuw", "brief", "annuleren", "bevestigen"):
        url = f"{base}/verzoeken/{request.id}/{action}"
        assert outsider.post_form(url, {"channel": "sms"}).status_code == 404, url
    assert outsider.post_form(f"{base}/1/intrekken", {"method": "verbal"}).status_code == 404
    assert outsider.post_form(f"{base}/bevestigingen/1").status_code == 404
    assert outsider.get(f"{base}/1/scan").status_code == 404
    # A request id of another case answers 404 on one's own case too.
    other_case_base = "/casussen/999999/toestemming"
    assert outsider.get(other_case_base).status_code == 404


def test_request_of_another_case_is_not_found(owner, session, world, make_case, sms_box):
    request, _tokens = ask(session, world)
    other = make_case("corporatie", bsn="123456782")
    url = f"/casussen/{other.id}/toestemming/verzoeken/{request.id}/annuleren"
    assert owner.post_form(url).status_code == 404
    assert request.status == "pending"


def test_ask_form_offers_the_covenant_recipients_and_ticks_none(owner, session, world):
    choose = owner.get(f"/casussen/{world.case.id}/toestemming/vragen").get_data(as_text=True)
    assert 'name="doel"' in choose and "Schuldhulpverlening" in choose
    assert "Vroegsignalering" not in choose  # statutory only: no consent to ask
    form = owner.get(f"/casussen/{world.case.id}/toestemming/vragen?doel=debt_help")
    html = form.get_data(as_text=True)
    coach = world.orgs["schuldhulp"].id
    offered = set(re.findall(r'name="item" value="([^"]+)"', html))
    assert f"debt_coach|{coach}|household" in offered
    assert f"debt_coach|{coach}|identity" not in offered  # statutory for the coach
    assert not any(v.split("|")[1] == str(world.orgs["corporatie"].id) for v in offered)
    # The sender chooses: no recipient (no next rung either) is ticked in advance.
    assert not re.findall(r'name="item" value="[^"]+" checked', html)
    chosen = owner.get(
        f"/casussen/{world.case.id}/toestemming/vragen?doel=debt_help"
        f"&item=debt_coach|{coach}|household"
    ).get_data(as_text=True)
    ticked = re.findall(r'name="item" value="([^"]+)" checked', chosen)
    assert ticked == [f"debt_coach|{coach}|household"]


def test_ask_sends_by_sms_and_email_with_a_link_only(owner, session, world, sms_box):
    coach = world.orgs["schuldhulp"].id
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/vragen?doel=debt_help",
        {
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|household", f"debt_coach|{coach}|life_map"],
            "channels": ["sms", "email"],
            "language": "tr",
            "valid_days": "180",
            "rep_mandate": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    request = session.scalar(select(ConsentRequest))
    assert request.items == [
        {"role": "debt_coach", "organisation_id": coach, "categories": ["household", "life_map"]}
    ]
    assert request.language == "tr" and request.valid_days == 180
    (message,) = outbox(session, "consent_invitation")
    assert recipient(session, message) == "a.jansen@example.org"
    body = body_of(session, message)
    assert "/t/" in body and "Yilmaz" not in body
    assert "izin" in message.subject.lower() or "onay" in body.lower()  # Turkish
    assert sms_box[-1][0] == "+31612345678" and "/t/" in sms_box[-1][1]
    assert "Yilmaz" not in sms_box[-1][1]
    assert events(session, "consent.requested")[-1].detail_dict["channels"] == ["email", "sms"]


def test_ask_refuses_a_category_without_consent_basis(owner, session, world):
    coach = world.orgs["schuldhulp"].id
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/vragen?doel=debt_help",
        {
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|identity"],
            "channels": ["sms"],
            "language": "nl",
            "valid_days": "365",
        },
    )
    assert response.status_code == 400
    assert session.scalar(select(ConsentRequest)) is None


def test_recipient_cannot_ask_or_record(session, world, sms_box, new_client, login, client):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    answer(client, [["household"], []])
    world.refer(session, "schuldhulp")
    coach = staff(new_client, login, world.coach)
    assert coach.get(f"/casussen/{world.case.id}/toestemming").status_code == 200
    assert coach.get(f"/casussen/{world.case.id}/toestemming/vragen").status_code == 404
    assert coach.get(f"/casussen/{world.case.id}/toestemming/vastleggen").status_code == 404


def test_recipient_sees_only_its_own_consents(session, world, sms_box, new_client, login, client):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    answer(client, [["household"], ["finances"]])
    world.refer(session, "schuldhulp")
    coach = staff(new_client, login, world.coach)
    html = coach.get(f"/casussen/{world.case.id}/toestemming").get_data(as_text=True)
    assert "Welzijn" not in html.split('id="records-heading"')[1]
    assert "Verzoeken" not in html


def test_verbal_consent_needs_a_second_professional(owner, session, world, new_client, login):
    coach = world.orgs["schuldhulp"].id
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/vastleggen?doel=debt_help",
        {
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|household"],
            "method": "verbal",
            "language": "tr",
            "valid_days": "365",
            "rep_mandate": "mentor",
            "rep_name": "M. Mentor",
            "notes": "Uitgelegd met een tolk.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    request = session.scalar(select(ConsentRequest))
    assert request.status == "unconfirmed" and session.scalar(select(ConsentRecord)) is None
    url = f"/casussen/{world.case.id}/toestemming/verzoeken/{request.id}/bevestigen"
    owner.post_form(url)
    assert session.scalar(select(ConsentRecord)) is None  # not by the same person
    colleague = staff(new_client, login, world.colleague)
    assert colleague.post_form(url).status_code == 302
    record = session.scalar(select(ConsentRecord))
    assert record.method == "verbal" and record.given_by == "representative"
    assert (record.collected_by_id, record.confirmed_by_id) == (world.owner.id, world.colleague.id)
    assert record.language == "tr"
    page = colleague.get(f"/casussen/{world.case.id}/toestemming").get_data(as_text=True)
    assert "M. Mentor (Mentor)" in page


def test_paper_consent_with_a_scan(owner, session, world, new_client, login):
    coach = world.orgs["schuldhulp"].id
    response = owner.post(
        f"/casussen/{world.case.id}/toestemming/vastleggen?doel=debt_help",
        data={
            "csrf_token": owner.csrf_token(),
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|household"],
            "method": "paper",
            "language": "nl",
            "valid_days": "365",
            "scan": (io.BytesIO(PDF), "formulier.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    record = session.scalar(select(ConsentRecord))
    evidence = session.scalar(select(ConsentEvidence))
    assert record.method == "paper" and evidence.size == len(PDF)
    assert b"scanned" not in evidence.content.blob  # encrypted at rest
    download = owner.get(f"/casussen/{world.case.id}/toestemming/{record.id}/scan")
    assert download.status_code == 200 and download.data == PDF
    # The recipient may see its consent, not the scan (identity is not shared with it).
    coach_user = staff(new_client, login, world.coach)
    assert (
        coach_user.get(f"/casussen/{world.case.id}/toestemming/{record.id}/scan").status_code == 404
    )


def test_a_scan_that_is_no_pdf_or_photo_is_refused_whatever_it_is_called(owner, session, world):
    coach = world.orgs["schuldhulp"].id
    response = owner.post(
        f"/casussen/{world.case.id}/toestemming/vastleggen?doel=debt_help",
        data={
            "csrf_token": owner.csrf_token(),
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|household"],
            "method": "paper",
            "language": "nl",
            "valid_days": "365",
            "scan": (io.BytesIO(b"<html><script>x()</script>"), "form.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "PDF, JPEG of PNG" in response.get_data(as_text=True)
    assert session.scalar(select(ConsentRecord)) is None


def test_paper_consent_without_a_scan_is_refused(owner, session, world):
    coach = world.orgs["schuldhulp"].id
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/vastleggen?doel=debt_help",
        {
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|household"],
            "method": "paper",
            "language": "nl",
            "valid_days": "365",
        },
    )
    assert response.status_code == 400 and "scan" in response.get_data(as_text=True)
    assert session.scalar(select(ConsentRecord)) is None


def test_printable_letter_with_qr_code(owner, session, world, client):
    request, _tokens = ask(session, world, channels=("letter",))
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/verzoeken/{request.id}/brief"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Vraag om uw toestemming" in text and "Yilmaz" not in text
    link = re.search(r"http://\S+/t/(\S+)", text)
    assert link, text
    letter = session.scalar(select(ConsentInvitation).where(ConsentInvitation.channel == "letter"))
    assert letter is not None and letter.state(letter.created_at) == "open"
    # The printed link opens the flow.
    assert client.get(f"/t/{link.group(1)}").status_code == 302


def test_send_again_and_cancel(owner, session, world, sms_box):
    request, _tokens = ask(session, world)
    base = f"/casussen/{world.case.id}/toestemming/verzoeken/{request.id}"
    assert owner.post_form(f"{base}/opnieuw", {"channel": "sms"}).status_code == 302
    assert len(sms_box) == 2
    assert owner.post_form(f"{base}/annuleren").status_code == 302
    assert request.status == "cancelled"
    assert all(i.revoked_at is not None for i in request.invitations)
    assert owner.post_form(f"{base}/opnieuw", {"channel": "sms"}).status_code == 302
    assert len(sms_box) == 2  # refused: the request is closed


def test_notices_page_lists_what_to_acknowledge(session, world, new_client, login):
    welfare = staff(new_client, login, world.welfare)
    page = welfare.get("/toestemming/meldingen")
    assert page.status_code == 200 and "Er is niets te bevestigen." in page.get_data(as_text=True)


def test_consent_can_be_asked_while_the_case_is_in_progress_not_once_closed(session, world):
    """Scenario A: the caseworker reached the tenant (the case is in progress), then asks."""
    from portal.errors import DomainError

    world.case.status = "in_progress"
    request, tokens = ask(session, world)
    assert request.status == "pending" and tokens["sms"]
    world.case.status = "closed"
    with pytest.raises(DomainError, match="gesloten"):
        ask(session, world)
