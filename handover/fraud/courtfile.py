"""The court file: the investigation assembled as one PDF and sealed, like a decision record.

Assembling reads every document through the policy point (one audit event), renders the PDF
(``handover.fraud.pdf``: a title page, a table of contents with each document's SHA-256, the
entries, and every attachment: images embedded, PDFs merged in) and stores it encrypted under
the case's key, so the same bytes can be downloaded again. The seal is a canonical record
without plaintext (texts appear as the SHA-256 of their ciphertexts, attachments as the
SHA-256 of their content) whose hash the hash-chained audit log carries
(``fraud.court_file.sealed``, with the PDF's own SHA-256).

Nothing sealed changes: entries and evidence are never edited, and the outcome is recorded
once. What is added later does not touch a sealed version; it shows as "changed since", and
assembling again makes a new version (``handover.fraud.sealing``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from handover.fraud.models import FRAUD, CourtFile, FraudInvestigation
from handover.fraud.policy import require_owner
from handover.fraud.sealing import (
    content_of,
    content_record,
    entries_in_order,
    iso,
    record_hash,
)
from portal.actor import Actor
from portal.attachments import service as attachments
from portal.attachments.models import Attachment
from portal.audit.service import canonical_json, record, write_now
from portal.cases.service import require_not_erased
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, NotFound
from portal.sharing import reveal

#: The entries that make a court file worth assembling before there is an outcome.
EVIDENCE_KINDS = ("finding", "house_visit")


# --- the documents, as the PDF shows them --------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One document of the court file: its number, what it is, its date, its SHA-256 (of
    the text as printed, or of the attached file as uploaded) and its content."""

    number: int
    kind: str  # "investigation", an entry kind, or "attachment"
    on: date
    sha256: str
    text: str | None = None
    visitors: str | None = None
    attachment: Attachment | None = None
    data: bytes | None = None
    name: str | None = None
    description: str | None = None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry_text(kind: str, on: date, visitors: str | None, text: str) -> str:
    """The canonical text of an entry whose SHA-256 the table of contents prints."""
    return "\n".join([kind, on.isoformat(), visitors or "", text])


def documents(
    session: Session, actor: Actor, investigation: FraudInvestigation
) -> tuple[list[Document], dict[str, Any]]:
    """Every document, read through the policy point in one audit event, and the texts of the
    investigation itself (grounds, outcome's motivation) for the PDF's first pages."""
    case = investigation.case
    entries = entries_in_order(investigation)
    files = attachments.of_subject(session, case.id, investigation.subject)
    tenant = case.main_tenant
    person_fields = ("surname", "initials", "street", "house_number", "postcode", "city")
    fields: list[tuple[Any, tuple[str, ...]]] = [
        (investigation, ("grounds", "outcome_motivation")),
        *((e, ("visitors", "text")) for e in entries),
        *((a, ("filename", "description", "content")) for a in files),
    ]
    if tenant is not None:
        fields.append((tenant, person_fields))
    shown = reveal(session, actor, case, fields, action="fraud.court_file")
    if not shown.allowed(FRAUD):
        raise NotFound()
    found: list[Document] = []
    for entry in entries:
        text, visitors = shown.get(entry, "text"), shown.get(entry, "visitors")
        if not isinstance(text, str):
            raise DomainError(_l("Een verslag van dit onderzoek is gewist."))
        visitors = visitors if isinstance(visitors, str) else None
        digest = _sha256(_entry_text(entry.kind, entry.happened_on, visitors, text))
        found.append(
            Document(0, entry.kind, entry.happened_on, digest, text=text, visitors=visitors)
        )
    for file in files:
        data = shown.get(file, "content")
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != file.sha256:
            raise DomainError(_l("Een bijlage van dit onderzoek is gewist of beschadigd."))
        description = shown.get(file, "description")
        found.append(
            Document(
                0,
                "attachment",
                file.uploaded_at.date(),
                file.sha256,
                attachment=file,
                data=data,
                name=str(shown.get(file, "filename")),
                description=description if isinstance(description, str) else None,
            )
        )
    numbered = [_numbered(doc, n) for n, doc in enumerate(found, start=1)]
    texts = {
        "grounds": shown.get(investigation, "grounds"),
        "motivation": shown.get(investigation, "outcome_motivation"),
        "tenant": shown.of(tenant) if tenant is not None else {},
    }
    return numbered, texts


def _numbered(doc: Document, number: int) -> Document:
    return replace(doc, number=number)


# --- assembling and sealing ---------------------------------------------------------------------


def may_assemble(investigation: FraudInvestigation) -> bool:
    """After findings exist (a finding or a house-visit report), or once the outcome is a
    court procedure."""
    return investigation.outcome == "court_procedure" or any(
        e.kind in EVIDENCE_KINDS for e in investigation.entries
    )


def assemble(
    session: Session,
    actor: Actor,
    investigation: FraudInvestigation,
    *,
    by_name: str,
    organisation_name: str,
    now: datetime | None = None,
) -> CourtFile:
    """Assemble the court file as it stands and seal it as the next version."""
    from handover.fraud import pdf

    require_owner(actor, investigation.case)
    require_not_erased(investigation.case)
    investigation = lock_row(session, investigation)  # two at once: one version each
    session.refresh(investigation, ["entries", "court_files"])
    if not may_assemble(investigation):
        raise DomainError(
            _l("Leg eerst een bevinding of een huisbezoek vast: dan is er iets om te bundelen.")
        )
    session.flush()  # every text is a ciphertext now
    content = content_record(session, investigation)
    latest = investigation.latest_court_file
    if latest is not None and content_of(latest) == content:
        raise Conflict(
            _l("Er is niets veranderd sinds versie %(n)s van het dossier.", n=latest.version)
        )
    version = latest.version + 1 if latest is not None else 1
    now = now or utcnow()
    seal = {"version": version, "sealed_at": iso(now), "sealed_by": actor.user_id}
    text = canonical_json({**content, "seal": seal})
    digest = record_hash(text)
    docs, texts = documents(session, actor, investigation)
    rendered = pdf.render_court_file(
        investigation=investigation,
        documents=docs,
        texts=texts,
        version=version,
        record_hash=digest,
        sealed_at=now,
        by_name=by_name,
        organisation_name=organisation_name,
    )
    pdf_hash = hashlib.sha256(rendered.data).hexdigest()
    event = record(
        session,
        actor,
        "fraud.court_file.sealed",
        case_id=investigation.case_id,
        categories=[],
        detail={
            "investigation": investigation.id,
            "version": version,
            "hash": digest,
            "pdf_sha256": pdf_hash,
            "documents": len(docs),
        },
    )
    write_now(session)  # the event's id (this transaction may have written nothing yet)
    court_file = CourtFile(
        investigation=investigation,
        case=investigation.case,
        version=version,
        organisation_id=investigation.organisation_id,
        sealed_by_id=actor.user_id,
        sealed_at=now,
        record=text,
        record_hash=digest,
        audit_event_id=event.id,
        pdf_sha256=pdf_hash,
        pdf_size=len(rendered.data),
        pages=rendered.pages,
        pdf=rendered.data,
    )
    session.add(court_file)
    session.flush()
    return court_file


def download(session: Session, actor: Actor, court_file: CourtFile) -> bytes:
    """The sealed PDF as it was assembled, through the policy point (audited), checked
    against the SHA-256 the seal recorded."""
    require_owner(actor, court_file.case)
    shown = reveal(session, actor, court_file.case, {court_file: ["pdf"]},
                   action="fraud.court_file.download")  # fmt: skip
    data = shown.get(court_file, "pdf")
    if not isinstance(data, bytes):
        raise NotFound(_l("Dit dossier is gewist."))
    if hashlib.sha256(data).hexdigest() != court_file.pdf_sha256:
        raise Conflict(_l("Dit dossier klopt niet meer met zijn zegel."))
    return data
