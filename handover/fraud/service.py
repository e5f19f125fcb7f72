"""Working a housing-fraud investigation: open it, add its entries and evidence, record the
subtenant and the outcome. Only the case's owner does any of it (``policy``).

Entries are never edited or removed: a court file sealed from them must stay true, so what
turns out wrong is corrected by a later entry. The outcome is recorded once (the first one
stands) and closes the investigation; evidence and entries come before it.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.fraud.models import (
    ENTRY_KINDS,
    FRAUD,
    OUTCOMES,
    SUBTENANT,
    SUSPICIONS,
    FraudEntry,
    FraudInvestigation,
)
from handover.fraud.policy import require_owner
from portal.actor import Actor
from portal.attachments import service as attachments
from portal.attachments.models import Attachment
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.service import clean_contact, require_not_erased
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError
from portal.forms import has_control_characters
from portal.workdays import local_today

TEXT_MAX = 5000
NOTE_MAX = 1000
NAME_MAX = 200
MOTIVATION_MIN = 10


def _text(value: str | None, field: str, *, required: bool, limit: int = TEXT_MAX) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise DomainError(_l("Vul dit in."), field=field)
        return None
    if len(text) > limit:
        raise DomainError(_l("Dit is te lang (hoogstens %(n)s tekens).", n=limit), field=field)
    if has_control_characters(text, multiline=True):
        raise DomainError(
            _l("Hier staat een onzichtbaar stuurteken in. Typ de tekst opnieuw."), field=field
        )
    return text


def _past(day: date | None, field: str) -> date:
    if not isinstance(day, date):
        raise DomainError(_l("Vul een datum in."), field=field)
    if day > local_today():
        raise DomainError(_l("Deze datum ligt in de toekomst."), field=field)
    return day


def _require_open(investigation: FraudInvestigation) -> None:
    if not investigation.is_open:
        raise Conflict(_l("Dit onderzoek is afgesloten: er kan niets meer bij."))


def open_investigations(session: Session, case_id: int) -> list[FraudInvestigation]:
    return list(
        session.scalars(
            select(FraudInvestigation).where(
                FraudInvestigation.case_id == case_id, FraudInvestigation.status == "open"
            )
        )
    )


def of_case(session: Session, case_id: int) -> list[FraudInvestigation]:
    """The case's investigations, newest first."""
    return list(
        session.scalars(
            select(FraudInvestigation)
            .where(FraudInvestigation.case_id == case_id)
            .order_by(FraudInvestigation.opened_on.desc(), FraudInvestigation.id.desc())
        )
    )


def open_investigation(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    suspicion: str,
    opened_on: date | None,
    grounds: str | None,
) -> FraudInvestigation:
    """Start an investigation on the owner's case; one at a time per case."""
    require_owner(actor, case)
    require_not_erased(case)
    if suspicion not in SUSPICIONS:
        raise DomainError(_l("Kies wat er vermoed wordt."), field="suspicion")
    day = _past(opened_on, "opened_on")
    text = _text(grounds, "grounds", required=True)
    case = lock_row(session, case)  # two at once: one investigation
    if open_investigations(session, case.id):
        raise Conflict(_l("Deze casus heeft al een lopend woonfraudeonderzoek."))
    investigation = FraudInvestigation(
        case=case,
        organisation_id=case.organisation_id,
        opened_on=day,
        opened_by_id=actor.user_id,
        suspicion=suspicion,
        grounds=text,
        status="open",
    )
    session.add(investigation)
    session.flush()
    record(
        session,
        actor,
        "fraud.open",
        case_id=case.id,
        categories=[FRAUD],
        detail={"investigation": investigation.id, "suspicion": suspicion},
    )
    return investigation


def add_entry(
    session: Session,
    actor: Actor,
    investigation: FraudInvestigation,
    *,
    kind: str,
    happened_on: date | None,
    text: str | None,
    visitors: str | None = None,
) -> FraudEntry:
    """A finding, a house-visit report (who visited is required) or the tenant's response."""
    require_owner(actor, investigation.case)
    require_not_erased(investigation.case)
    if kind not in ENTRY_KINDS:
        raise DomainError(_l("Kies wat u vastlegt."), field="kind")
    day = _past(happened_on, "happened_on")
    if day < investigation.opened_on and kind != "finding":
        raise DomainError(
            _l("Deze datum ligt vóór het begin van het onderzoek."), field="happened_on"
        )
    body = _text(text, "text", required=True)
    who = _text(visitors, "visitors", required=kind == "house_visit", limit=NAME_MAX)
    investigation = lock_row(session, investigation)
    _require_open(investigation)
    entry = FraudEntry(
        investigation=investigation,
        case=investigation.case,
        kind=kind,
        happened_on=day,
        organisation_id=investigation.organisation_id,
        created_by_id=actor.user_id,
        visitors=who if kind == "house_visit" else None,
        text=body,
    )
    session.add(entry)
    session.flush()
    record(
        session,
        actor,
        "fraud.entry",
        case_id=investigation.case_id,
        categories=[FRAUD],
        detail={"investigation": investigation.id, "entry": entry.id, "kind": kind},
    )
    return entry


def add_evidence(
    session: Session,
    actor: Actor,
    investigation: FraudInvestigation,
    *,
    data: bytes,
    filename: str | None,
    description: str | None,
) -> Attachment:
    """A file as evidence (checked on its content by ``portal.attachments``), in the
    investigation's category, so only the owner ever sees it."""
    require_owner(actor, investigation.case)
    require_not_erased(investigation.case)
    investigation = lock_row(session, investigation)
    _require_open(investigation)
    return attachments.add(
        session,
        actor,
        investigation.case,
        subject=investigation.subject,
        category=FRAUD,
        data=data,
        filename=filename,
        description=description,
    )


def record_outcome(
    session: Session,
    actor: Actor,
    investigation: FraudInvestigation,
    *,
    outcome: str,
    decided_on: date | None,
    motivation: str | None,
) -> FraudInvestigation:
    """How it ended, with the date and why; closes the investigation (the first one stands)."""
    require_owner(actor, investigation.case)
    require_not_erased(investigation.case)
    if outcome not in OUTCOMES:
        raise DomainError(_l("Kies de uitkomst."), field="outcome")
    day = _past(decided_on, "decided_on")
    text = _text(motivation, "motivation", required=True)
    assert text is not None
    if len(text) < MOTIVATION_MIN:
        raise DomainError(
            _l("Motiveer de uitkomst in minstens %(n)s tekens.", n=MOTIVATION_MIN),
            field="motivation",
        )
    investigation = lock_row(session, investigation)
    if investigation.outcome is not None:
        raise Conflict(_l("De uitkomst van dit onderzoek is al vastgelegd."))
    if day < investigation.opened_on:
        raise DomainError(
            _l("Deze datum ligt vóór het begin van het onderzoek."), field="decided_on"
        )
    investigation.outcome = outcome
    investigation.outcome_on = day
    investigation.outcome_motivation = text
    investigation.outcome_by_id = actor.user_id
    investigation.outcome_at = utcnow()
    investigation.status = "closed"
    session.flush()
    record(
        session,
        actor,
        "fraud.outcome",
        case_id=investigation.case_id,
        categories=[FRAUD],
        detail={"investigation": investigation.id, "outcome": outcome},
    )
    return investigation


def record_subtenant(
    session: Session,
    actor: Actor,
    investigation: FraudInvestigation,
    *,
    surname: str | None,
    initials: str | None,
    phone: str | None,
    email: str | None,
    note: str | None,
) -> FraudInvestigation:
    """Someone lives in the home without a tenancy: who, and how to reach them to offer help.
    A third party's data (category ``subtenant``): the owner alone sees it, not the tenant."""
    require_owner(actor, investigation.case)
    require_not_erased(investigation.case)
    name = _text(surname, "surname", required=True, limit=NAME_MAX)
    letters = _text(initials, "initials", required=False, limit=20)
    number = clean_contact("phone", _text(phone, "phone", required=False, limit=40))
    address = clean_contact("email", _text(email, "email", required=False, limit=NAME_MAX))
    text = _text(note, "note", required=False, limit=NOTE_MAX)
    investigation = lock_row(session, investigation)
    if investigation.subtenant_case_id is not None:
        raise Conflict(_l("De onderhuurder heeft al een eigen casus: wijzig het daar."))
    investigation.subtenant_present = True
    investigation.subtenant_surname = name
    investigation.subtenant_initials = letters
    investigation.subtenant_phone = number
    investigation.subtenant_email = address
    investigation.subtenant_note = text
    session.flush()
    record(
        session,
        actor,
        "fraud.subtenant",
        case_id=investigation.case_id,
        categories=[SUBTENANT],
        detail={"investigation": investigation.id},
    )
    return investigation
