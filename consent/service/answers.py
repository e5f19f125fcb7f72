"""The tenant's answer to an online request: her granular choices become consent records,
under the exact statement she confirmed; saying no to everything is an answer too."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from consent.models import ConsentRequest
from consent.service._common import covenant_now
from consent.service.asking import LANGUAGES
from consent.service.options import recheck_items
from consent.service.records import Answer, claim, create_records, given
from consent.service.statements import store_text, tenant_statement, text_sha256, valid_until_for
from portal.actor import Actor
from portal.audit.service import record as audit
from portal.cases.mandates import live_mandate, mandate_of
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden
from portal.sharing import plain, reveal


def _representative_of(
    session: Session, actor: Actor, request: ConsentRequest
) -> tuple[str | None, str | None]:
    """The representative's name and mandate for the records, read through the policy
    point (an audited look): the one the request named, or the one who signed in under a
    recorded mandate (``portal.cases.mandates``) and answers for her now."""
    mandate = live_mandate(session, mandate_of(actor), request.person_id)
    if mandate is not None and not request.has_representative:
        shown = reveal(
            session,
            actor,
            request.case,
            {mandate: ["name", "kind"]},
            action="consent.record_representative",
        )
        return plain(shown.get(mandate, "name")), plain(shown.get(mandate, "kind"))
    if not request.has_representative:
        return None, None
    shown = reveal(
        session,
        actor,
        request.case,
        {request: ["representative_name", "representative_mandate"]},
        action="consent.record_representative",
    )
    return (
        plain(shown.get(request, "representative_name")),
        plain(shown.get(request, "representative_mandate")),
    )


def _clean_choices(
    request: ConsentRequest, choices: Mapping[int, Iterable[str]]
) -> dict[int, list[str]]:
    """The choices per item, in the request's order, refusing anything it did not ask."""
    cleaned: dict[int, list[str]] = {}
    for index, chosen in choices.items():
        if not isinstance(index, int) or not 0 <= index < len(request.items):
            raise DomainError(str(_l("Controleer uw antwoorden.")))
        allowed = request.items[index]["categories"]
        chosen = set(chosen)
        if not chosen <= set(allowed):
            raise DomainError(str(_l("Controleer uw antwoorden.")))
        cleaned[index] = [c for c in allowed if c in chosen]
    return cleaned


def answer_request(
    session: Session,
    actor: Actor,
    request: ConsentRequest,
    choices: Mapping[int, Iterable[str]],
    *,
    statement_sha256: str,
    language: str,
    now: datetime | None = None,
) -> Answer:
    """The tenant's answer: one record per recipient they said yes to (none: declined).

    ``statement_sha256`` is the hash of the statement the tenant saw; if the answers or the
    rules changed since, nothing is recorded."""
    now = now or utcnow()
    if actor.kind != "tenant" or actor.person_id != request.person_id:
        raise Forbidden()
    if language not in LANGUAGES:
        language = "nl"
    cleaned = _clean_choices(request, choices)
    covenant = covenant_now(session)
    changed = str(_l("De afspraken zijn veranderd. Vraag de organisatie om een nieuwe vraag."))
    if recheck_items(session, covenant, request, changed) != request.items:
        raise Conflict(changed)
    body = tenant_statement(session, request, cleaned, language, now)
    if not hmac.compare_digest(text_sha256(body), statement_sha256 or ""):
        raise Conflict(str(_l("Uw antwoorden zijn veranderd. Controleer ze nog een keer.")))
    claim(session, request, "pending", now)
    for invitation in request.invitations:
        if invitation.state(now) == "open":
            invitation.revoked_at = now
    if not any(cleaned.values()):
        audit(
            session,
            actor,
            "consent.declined",
            case_id=request.case_id,
            detail={"request": request.reference},
        )
        return Answer(None, [])
    text = store_text(session, body, language)
    representative = _representative_of(session, actor, request)
    receipt_id, records = create_records(
        session,
        covenant,
        case=request.case,
        person_id=request.person_id,
        request=request,
        purpose=request.purpose,
        items=request.items,
        choices=cleaned,
        text=text,
        method="online",
        given_by="representative" if representative[0] else "subject",
        representative=representative,
        notes=None,
        collected_by_id=None,
        confirmed_by_id=None,
        valid_until=valid_until_for(request, now),
        now=now,
    )
    return given(
        session,
        actor,
        request.person,
        records,
        receipt_id,
        method="online",
        request=request.reference,
    )
