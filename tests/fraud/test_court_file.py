"""The court file: assembled once findings exist, one PDF with a title page, a table of
contents with each document's SHA-256, the entries, the photographs embedded and the PDFs
merged in; sealed like a decision record (a canonical record without plaintext whose hash
the audit log carries); downloaded again exactly as sealed, audited; what comes later shows
as "changed since" and makes a new version, and a change to what was sealed breaks the seal."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from handover.fraud import courtfile, sealing, service
from handover.fraud.models import FraudEntry
from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError
from portal.workdays import local_today

from .conftest import GROUNDS, pdf_bytes, png_bytes


def _assemble(session, actor, investigation):
    return courtfile.assemble(
        session, actor, investigation, by_name="S. de Vries", organisation_name="Woonstichting"
    )


def _text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_nothing_to_bundle_before_findings(session, owner_actor, investigation):
    with pytest.raises(DomainError):
        _assemble(session, owner_actor, investigation)


def test_the_sealed_court_file_holds_every_document_with_its_hash(session, owner_actor, visited):
    letter = service.add_evidence(
        session, owner_actor, visited, data=pdf_bytes(pages=2), filename="energie.pdf",
        description="Jaaroverzicht",
    )  # fmt: skip
    photo = service.add_evidence(
        session, owner_actor, visited, data=png_bytes(), filename="brievenbus.png",
        description="Foto",
    )  # fmt: skip
    service.add_entry(
        session, owner_actor, visited, kind="tenant_response", happened_on=local_today(),
        text="De huurder ontkent alles.",
    )  # fmt: skip
    sealed = _assemble(session, owner_actor, visited)
    assert sealed.version == 1

    data = courtfile.download(session, owner_actor, sealed)
    assert hashlib.sha256(data).hexdigest() == sealed.pdf_sha256
    pdf = PdfReader(io.BytesIO(data))
    # title, contents, 2 entries, the letter's announcement + its 2 pages, the photo's page
    assert len(pdf.pages) == sealed.pages == 2 + 2 + 1 + 2 + 1
    outline = [item.title for item in pdf.outline]
    assert outline[0].startswith("1. ") and len(outline) == 4
    text = _text(data)
    for needle in (visited.case.reference, "Testpersoon", GROUNDS[:30], "De huurder ontkent",
                   letter.sha256, photo.sha256, sealed.record_hash):  # fmt: skip
        assert needle in text.replace("\n", " ") or needle in text, needle

    # The record holds no plaintext; the audit log carries its hash and the PDF's.
    record = json.loads(sealed.record)
    assert GROUNDS not in sealed.record and "Testpersoon" not in sealed.record
    assert [e["kind"] for e in record["entries"]] == ["house_visit", "tenant_response"]
    assert [a["sha256"] for a in record["attachments"]] == [letter.sha256, photo.sha256]
    event = session.get(AuditEvent, sealed.audit_event_id)
    assert event.action == "fraud.court_file.sealed"
    assert event.detail_dict["hash"] == sealed.record_hash
    assert event.detail_dict["pdf_sha256"] == sealed.pdf_sha256
    check = sealing.verify(session, sealed)
    assert check.intact and check.current
    downloads = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "fraud.court_file.download")
    ).all()
    assert len(downloads) == 1


def test_what_comes_later_makes_a_new_version(session, owner_actor, visited):
    first = _assemble(session, owner_actor, visited)
    with pytest.raises(Conflict):
        _assemble(session, owner_actor, visited)  # nothing changed
    service.record_outcome(
        session, owner_actor, visited, outcome="court_procedure",
        decided_on=local_today(), motivation="Onderhuur aangetoond.",
    )  # fmt: skip
    check = sealing.verify(session, first)
    assert check.intact and not check.current  # the outcome came later
    second = _assemble(session, owner_actor, visited)
    assert second.version == 2
    assert sealing.verify(session, second).current
    assert sealing.verify(session, first).intact


def test_a_change_to_what_was_sealed_breaks_the_seal(session, owner_actor, visited):
    sealed = _assemble(session, owner_actor, visited)
    entry = visited.entries[0]
    earlier = local_today() - timedelta(days=1)
    session.execute(update(FraudEntry).where(FraudEntry.id == entry.id).values(happened_on=earlier))
    session.expire_all()
    check = sealing.verify(session, sealed)
    assert check.hash_matches and not check.documents_unchanged and not check.intact


def test_a_tampered_record_no_longer_matches_its_hash(session, owner_actor, visited):
    sealed = _assemble(session, owner_actor, visited)
    sealed.record = sealed.record.replace('"sublet"', '"other"')
    assert not sealing.verify(session, sealed).hash_matches
