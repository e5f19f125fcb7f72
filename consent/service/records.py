"""Consent records: the immutable rows an answer becomes (one per recipient, sharing one
receipt), the claim that makes a request answered exactly once, and the audit event of
consent given, however it was given (online, verbal, paper)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from consent.models import ConsentRecord, ConsentRequest, ConsentText
from portal.actor import Actor
from portal.audit.service import record as audit
from portal.cases.models import Case, Person
from portal.covenant.rules import Covenant
from portal.db import changed_rows
from portal.errors import Conflict

#: GDPR art. 6(1)(a); with a special category also art. 9(2)(a) (explicit consent).
GDPR_CONSENT = "gdpr-6-1-a"
GDPR_EXPLICIT_CONSENT = "gdpr-6-1-a+9-2-a"


@dataclass
class Answer:
    """The records one answer gave, with their shared receipt; none (and no receipt) when
    the tenant said no to everything."""

    receipt_id: str | None
    records: list[ConsentRecord]


def _legal_basis(covenant: Covenant, categories: Iterable[str]) -> str:
    special = any(covenant.categories[c].special for c in categories)
    return GDPR_EXPLICIT_CONSENT if special else GDPR_CONSENT


def create_records(
    session: Session,
    covenant: Covenant,
    *,
    case: Case,
    person_id: int,
    request: ConsentRequest | None,
    purpose: str,
    items: Sequence[Mapping[str, Any]],
    choices: Mapping[int, Iterable[str]],
    text: ConsentText,
    method: str,
    given_by: str,
    representative: tuple[str | None, str | None],
    notes: str | None,
    collected_by_id: int | None,
    confirmed_by_id: int | None,
    valid_until: datetime,
    now: datetime,
) -> tuple[str, list[ConsentRecord]]:
    """One record per item the tenant said yes to (only the categories chosen), all under
    one receipt and the statement ``text``; items with nothing chosen get no record."""
    receipt_id = str(uuid.uuid4())
    records = []
    for index, item in enumerate(items):
        chosen = [c for c in item["categories"] if c in set(choices.get(index, ()))]
        if not chosen:
            continue
        record = ConsentRecord(
            case=case,
            person_id=person_id,
            request_id=request.id if request else None,
            receipt_id=receipt_id,
            organisation_id=case.organisation_id,
            recipient_role=item["role"],
            recipient_organisation_id=item.get("organisation_id"),
            purpose=purpose,
            categories=chosen,
            legal_basis=_legal_basis(covenant, chosen),
            text_sha256=text.sha256,
            text_version=text.version,
            language=text.language,
            method=method,
            given_by=given_by,
            collected_by_id=collected_by_id,
            confirmed_by_id=confirmed_by_id,
            given_at=now,
            valid_until=valid_until,
            covenant_version_id=covenant.version_id,
            created_at=now,
        )
        record.representative_name = representative[0]
        record.representative_mandate = representative[1]
        record.notes = notes
        session.add(record)
        records.append(record)
    session.flush()
    return receipt_id, records


def claim(session: Session, request: ConsentRequest, from_status: str, now: datetime) -> None:
    """Exactly one answer per request, also when two tabs or workers race."""
    done = changed_rows(
        session,
        update(ConsentRequest)
        .where(ConsentRequest.id == request.id, ConsentRequest.status == from_status)
        .values(status="answered", answered_at=now)
        .execution_options(synchronize_session=False),
    )
    if not done:
        raise Conflict(str(_l("Deze vraag is al beantwoord.")))
    session.refresh(request)


def given(
    session: Session,
    actor: Actor,
    person: Person,
    records: list[ConsentRecord],
    receipt_id: str,
    **detail: Any,
) -> Answer:
    """One audit event for the records of one answer, however it was given."""
    audit(
        session,
        actor,
        "consent.given",
        case_id=person.case_id,
        person_id=person.id,
        categories=sorted({c for r in records for c in r.categories}),
        detail={"receipt": receipt_id, "records": [r.id for r in records], **detail},
    )
    return Answer(receipt_id, records)
