"""Consent recorded by professionals: given on paper (signed and scanned, recorded at once)
or verbally (recorded by one professional, counting only once a colleague confirms it).

Asked by the same rules as an online request (``consent.service.asking``); a verbal
consent is a request like an online one, waiting for its confirmation instead of the
tenant's answer."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from consent.models import ConsentEvidence, ConsentRequest
from consent.service._common import covenant_now, require_owner
from consent.service.asking import audit_request, build_request, check_asked, check_terms
from consent.service.options import recheck_items
from consent.service.records import Answer, claim, create_records, given
from consent.service.representative import Representative
from consent.service.statements import statement, store_text, valid_until_for
from portal.actor import Actor
from portal.cases.models import Case
from portal.db import utcnow
from portal.errors import Conflict, DomainError
from portal.sharing import plain, reveal

EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, repr=False)
class Evidence:
    """An uploaded scan of a signed paper form."""

    content: bytes
    media_type: str

    def __repr__(self) -> str:
        return "<Evidence>"


def record_offline(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    person_id: int,
    purpose: str,
    items: Iterable[Mapping[str, Any]],
    method: str,
    language: str,
    valid_days: int,
    representative: Representative | None = None,
    notes: str | None = None,
    evidence: Evidence | None = None,
    now: datetime | None = None,
) -> ConsentRequest | Answer:
    """Consent given on paper (signed and scanned: recorded now) or verbally (recorded now,
    counts only once a second professional confirms: ``confirm_verbal``)."""
    now = now or utcnow()
    asked = check_asked(session, actor, case, person_id=person_id, purpose=purpose, items=items)
    if method not in ("verbal", "paper"):
        raise DomainError(str(_l("Kies hoe de toestemming is gegeven.")), field="method")
    terms = check_terms(language, valid_days, representative)
    rep = terms.representative
    notes = (notes or "").strip()[:2000] or None
    if method == "verbal":
        request = build_request(
            session,
            actor,
            case,
            asked,
            terms,
            method="verbal",
            channels=[],
            status="unconfirmed",
            notes=notes,
            now=now,
        )
        audit_request(session, actor, "consent.verbal_recorded", request)
        return request
    if evidence is None or not evidence.content:
        raise DomainError(str(_l("Voeg de scan van het getekende formulier toe.")), field="scan")
    if evidence.media_type not in EVIDENCE_TYPES or len(evidence.content) > EVIDENCE_MAX_BYTES:
        raise DomainError(
            str(_l("De scan moet een PDF, JPEG of PNG zijn van hoogstens 10 MB.")), field="scan"
        )
    all_yes = {i: item["categories"] for i, item in enumerate(asked.items)}
    body = statement(
        session,
        asked.covenant,
        owner=case.organisation,
        purpose=purpose,
        items=asked.items,
        choices=all_yes,
        valid_until=(now + timedelta(days=terms.valid_days)).date(),
        language=terms.language,
        representative=rep is not None,
    )
    text = store_text(session, body, terms.language)
    receipt_id, records = create_records(
        session,
        asked.covenant,
        case=case,
        person_id=asked.person.id,
        request=None,
        purpose=purpose,
        items=asked.items,
        choices=all_yes,
        text=text,
        method="paper",
        given_by="representative" if rep else "subject",
        representative=(rep.name, rep.mandate) if rep else (None, None),
        notes=notes,
        collected_by_id=actor.user_id,
        confirmed_by_id=None,
        valid_until=now + timedelta(days=terms.valid_days),
        now=now,
    )
    digest = hashlib.sha256(evidence.content).hexdigest()
    for record in records:
        scan = ConsentEvidence(
            record=record,
            media_type=evidence.media_type,
            sha256=digest,
            size=len(evidence.content),
            created_at=now,
        )
        scan.content = base64.b64encode(evidence.content).decode("ascii")
        session.add(scan)
    session.flush()
    return given(
        session, actor, asked.person, records, receipt_id, method="paper", scan_sha256=digest
    )


def confirm_verbal(
    session: Session, actor: Actor, request: ConsentRequest, *, now: datetime | None = None
) -> Answer:
    """A second professional of the same organisation confirms a verbal consent."""
    require_owner(actor, request.case)
    now = now or utcnow()
    if request.method != "verbal" or request.status != "unconfirmed":
        raise Conflict(str(_l("Dit verzoek is al beantwoord of ingetrokken.")))
    if actor.user_id is None or actor.user_id == request.requested_by_id:
        raise DomainError(str(_l("Een andere collega moet een mondelinge toestemming bevestigen.")))
    covenant = covenant_now(session)
    items = recheck_items(
        session,
        covenant,
        request,
        str(_l("De afspraken zijn veranderd. Leg de toestemming opnieuw vast.")),
    )
    all_yes = {i: item["categories"] for i, item in enumerate(items)}
    valid_until = valid_until_for(request, now)
    body = statement(
        session,
        covenant,
        owner=request.organisation,
        purpose=request.purpose,
        items=items,
        choices=all_yes,
        valid_until=valid_until.date(),
        language=request.language,
        representative=request.has_representative,
    )
    claim(session, request, "unconfirmed", now)
    text = store_text(session, body, request.language)
    shown = reveal(
        session,
        actor,
        request.case,
        {request: ["representative_name", "representative_mandate", "notes"]},
        action="consent.record_representative",
    )
    receipt_id, records = create_records(
        session,
        covenant,
        case=request.case,
        person_id=request.person_id,
        request=request,
        purpose=request.purpose,
        items=items,
        choices=all_yes,
        text=text,
        method="verbal",
        given_by="representative" if request.has_representative else "subject",
        representative=(
            plain(shown.get(request, "representative_name")),
            plain(shown.get(request, "representative_mandate")),
        ),
        notes=plain(shown.get(request, "notes")),
        collected_by_id=request.requested_by_id,
        confirmed_by_id=actor.user_id,
        valid_until=valid_until,
        now=now,
    )
    return given(
        session,
        actor,
        request.person,
        records,
        receipt_id,
        method="verbal",
        request=request.reference,
    )
