"""Attachments: checked on their content (never the name), stored encrypted under the case's
key, listed and downloaded only through the policy point with an audit event, served with a
neutral name, and gone for good when the case's key is shredded."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import select, text

from portal.actor import staff_actor
from portal.attachments import service as attachments
from portal.attachments.models import Attachment
from portal.audit.models import AuditEvent
from portal.crypto.service import destroy_data_key
from portal.errors import DomainError, Forbidden, NotFound


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


@pytest.fixture
def owner(make_user):
    return make_user("corporatie")


@pytest.fixture
def case(demo_covenant, make_case):
    return make_case("corporatie", surname="Bijlagetest")


def _add(session, user, case, data=None, **extra):
    values = {
        "subject": "test:1",
        "category": "identity",
        "data": pdf_bytes() if data is None else data,
        "filename": "Huisbezoek Bijlagetest.pdf",
        "description": "Verslag",
    }
    values.update(extra)
    return attachments.add(session, staff_actor(user), case, **values)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf_bytes(), "application/pdf"),
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_pdf_and_photos_are_stored_encrypted(session, owner, case, data, kind):
    attachment = _add(session, owner, case, data)
    assert attachment.content_type == kind and attachment.size == len(data)
    raw = session.execute(
        text("SELECT content, filename FROM attachment WHERE id = :id"), {"id": attachment.id}
    ).one()
    assert data not in bytes(raw.content)
    assert b"Bijlagetest" not in bytes(raw.filename)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 a program renamed", "scan.pdf", "geen PDF, JPEG of PNG"),
        (b"%PDF-1.4\nnot really a pdf", "scan.pdf", "beschadigd"),
        (image_bytes("PNG")[:40], "foto.png", "beschadigd"),
        (b"", "leeg.pdf", "leeg"),
        (b"<html><script>alert(1)</script></html>", "foto.jpg", "geen PDF, JPEG of PNG"),
    ],
)
def test_the_content_decides_not_the_name(session, owner, case, data, name, message):
    with pytest.raises(DomainError, match=message):
        _add(session, owner, case, data, filename=name)
    assert session.scalar(select(Attachment.id)) is None


def test_a_file_over_the_limit_is_refused(app, session, owner, case):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    try:
        with pytest.raises(DomainError, match="te groot"):
            _add(session, owner, case, image_bytes("PNG") + b"\0" * 1000)
    finally:
        app.config.pop("ATTACHMENT_MAX_BYTES")


def test_a_partner_without_the_category_cannot_add(session, make_user, case):
    stranger = make_user("schuldhulp")
    with pytest.raises(Forbidden):
        _add(session, stranger, case)


def test_a_name_keeps_no_folders_or_control_characters(session, owner, case):
    attachment = _add(session, owner, case, filename="C:\\scans\\..\\huis\x07bezoek.pdf")
    (view,) = attachments.listing(session, staff_actor(owner), case, "test:1")
    assert view.name == "huisbezoek.pdf" and view.id == attachment.id


def test_download_goes_through_the_policy_point_and_is_audited(
    session, client, login, owner, make_user, case
):
    data = pdf_bytes()
    attachment = _add(session, owner, case, data)
    session.commit()
    url = f"/casussen/{case.id}/bijlagen/{attachment.id}"

    login(client, owner)
    response = client.get(url)
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="bijlage-{case.reference}-{attachment.id}.pdf"'
    )  # never the uploaded name
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "attachment.downloaded")
    ).one()
    assert event.case_id == case.id

    stranger = make_user("schuldhulp")
    login(client, stranger)
    assert client.get(url).status_code == 404  # the case is not theirs: it does not exist
    assert client.get(f"/casussen/{case.id}/bijlagen/{2**70}").status_code == 404


def test_shredding_the_case_key_shreds_its_files(session, owner, case):
    attachment = _add(session, owner, case)
    destroy_data_key(session, case.data_key_id)
    session.expire_all()
    with pytest.raises(NotFound):
        attachments.read(session, staff_actor(owner), session.get(Attachment, attachment.id))
