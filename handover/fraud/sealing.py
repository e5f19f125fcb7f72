"""The seal of a court file: the canonical record it was sealed with, and the check.

The record is what the court file rests on, as plain data without personal data: texts
appear as the SHA-256 of their ciphertexts (bound to their row and the case key), the
attachments as the SHA-256 of their content and of their ciphertexts. Its hash goes into the
hash-chained audit log (``fraud.court_file.sealed``, with the PDF's own SHA-256); recomputing
it from the rows later shows whether what a version covered is unchanged, and whether
anything was added since (then a new version is due).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from handover.fraud.models import CourtFile, FraudEntry, FraudInvestigation
from portal.attachments import service as attachments
from portal.audit.models import AuditEvent
from portal.crypto.fields import Personal, Sealed

#: The version of the canonical record's layout (part of what is hashed).
RECORD_FORMAT = 1


def digest(value: Personal) -> str | None:
    """SHA-256 of a stored ciphertext: the seal covers the exact bytes, never plaintext."""
    return hashlib.sha256(value.blob).hexdigest() if isinstance(value, Sealed) else None


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def entries_in_order(investigation: FraudInvestigation) -> list[FraudEntry]:
    return sorted(investigation.entries, key=lambda e: (e.happened_on, e.id))


def content_record(session: Session, investigation: FraudInvestigation) -> dict[str, Any]:
    """What a court file's seal covers, from the rows as they are now (no plaintext)."""
    files = attachments.of_subject(session, investigation.case_id, investigation.subject)
    return {
        "format": RECORD_FORMAT,
        "investigation": {
            "id": investigation.id,
            "case": investigation.case.reference,
            "organisation": investigation.organisation_id,
            "opened_on": iso(investigation.opened_on),
            "suspicion": investigation.suspicion,
            "grounds": digest(investigation.grounds),
            "outcome": None
            if investigation.outcome is None
            else {
                "outcome": investigation.outcome,
                "on": iso(investigation.outcome_on),
                "motivation": digest(investigation.outcome_motivation),
                "by": investigation.outcome_by_id,
            },
        },
        "entries": [
            {
                "id": e.id,
                "kind": e.kind,
                "on": iso(e.happened_on),
                "by": e.created_by_id,
                "visitors": digest(e.visitors),
                "text": digest(e.text),
            }
            for e in entries_in_order(investigation)
        ],
        "attachments": [
            {
                "id": a.id,
                "sha256": a.sha256,
                "content_type": a.content_type,
                "size": a.size,
                "content": digest(a.content),
                "filename": digest(a.filename),
                "description": digest(a.description),
            }
            for a in files
        ],
    }


def record_hash(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def content_of(court_file: CourtFile) -> dict[str, Any]:
    stored = json.loads(court_file.record)
    stored.pop("seal", None)
    return dict(stored)


@dataclass(frozen=True)
class SealCheck:
    #: The stored record matches its hash, and the audit event carries that hash.
    hash_matches: bool
    #: Every document the version covers is still there, unchanged.
    documents_unchanged: bool
    #: Nothing was added since (an outcome, an entry, a file): no newer version is needed.
    current: bool

    @property
    def intact(self) -> bool:
        return self.hash_matches and self.documents_unchanged


def verify(session: Session, court_file: CourtFile) -> SealCheck:
    """Recompute the record from the rows and compare it with what was sealed."""
    event = (
        session.get(AuditEvent, court_file.audit_event_id)
        if court_file.audit_event_id is not None
        else None
    )
    carried = event.detail_dict if event is not None else {}
    hash_ok = (
        record_hash(court_file.record) == court_file.record_hash
        and carried.get("hash") == court_file.record_hash
        and carried.get("pdf_sha256") == court_file.pdf_sha256
    )
    sealed = content_of(court_file)
    now = content_record(session, court_file.investigation)
    return SealCheck(hash_ok, _covered_unchanged(sealed, now), sealed == now)


def _covered_unchanged(sealed: dict[str, Any], now: dict[str, Any]) -> bool:
    """What the version covered is still there as it was (later additions do not count)."""
    then_inv, now_inv = sealed.get("investigation", {}), now["investigation"]
    for key, value in then_inv.items():
        if key == "outcome" and value is None:
            continue  # an outcome recorded since is an addition
        if now_inv.get(key) != value:
            return False
    for part in ("entries", "attachments"):
        current = {item["id"]: item for item in now[part]}
        if any(current.get(item["id"]) != item for item in sealed.get(part, [])):
            return False
    return True
