"""Consent in the policy point, and the loaders of consent objects.

``consent_lookup`` is what ``portal.sharing`` asks when the covenant's basis for a category
is consent: is there a record of this case, for this purpose, covering this recipient
(the organisation itself, or the covenant role it receives in) and this category, that is
neither withdrawn nor expired? Records and events are read once per unit of work and never
kept across requests, so a withdrawal counts from the very next question.

Consent is never a grant of its own: it permits sharing for a purpose, but only a referral
(or another grant the covenant defines, such as a vote in a joint decision) makes a case
visible to an organisation. A recipient that must acknowledge a withdrawal does so from its
notices, by the acknowledgement's id, without being let into the case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import (
    ConsentAcknowledgement,
    ConsentEvent,
    ConsentRecord,
    ConsentRequest,
    RecordState,
    state_of,
)
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.cases.models import Case
from portal.db import memo, utcnow
from portal.errors import NotFound
from portal.grants import Grant
from portal.sharing import ConsentAnswer, ConsentStatus


def _events_by_record(session: Session, record_ids: Sequence[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    if record_ids:
        for e in session.scalars(
            select(ConsentEvent).where(ConsentEvent.record_id.in_(record_ids))
        ):
            found[e.record_id].append(e)
    return found


def states(
    session: Session, records: Sequence[ConsentRecord], now: datetime | None = None
) -> dict[int, RecordState]:
    """Each record's state now, from a fresh query of the events."""
    now = now or utcnow()
    events = _events_by_record(session, [r.id for r in records])
    return {r.id: state_of(r, events.get(r.id, []), now) for r in records}


def consent_lookup(session: Session, case: Case, grant: Grant, category: str) -> ConsentAnswer:
    """Registered with ``portal.sharing.register_consent_lookup``. The case's records for the
    grant's purpose and their states are read once per unit of work (``portal.db.memo``),
    whatever the number of recipients and categories asked: a page that weighs a referral's
    next rung asks for every partner on it."""
    states_now = memo(
        session,
        ("consent_states", case.id, grant.purpose),
        lambda: _states(session, case, grant.purpose),
    )
    answers = [
        (record.id, state.status_of(category))
        for record, state in states_now
        if _covers_recipient(record, grant)
    ]
    wanted: ConsentStatus
    for wanted in ("valid", "withdrawn", "expired"):
        for record_id, status in answers:
            if status == wanted:
                return ConsentAnswer(wanted, record_id)
    return ConsentAnswer("missing")


def _covers_recipient(record: ConsentRecord, grant: Grant) -> bool:
    """The record names the grant's organisation itself, or (naming none) its covenant role."""
    if record.recipient_organisation_id is not None:
        return record.recipient_organisation_id == grant.organisation_id
    return record.recipient_role == grant.recipient_role


def _states(session: Session, case: Case, purpose: str) -> list[tuple[ConsentRecord, RecordState]]:
    """The case's consent records for this purpose, newest first, each with its state now."""
    records = list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.case_id == case.id, ConsentRecord.purpose == purpose)
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        )
    )
    found = states(session, records, utcnow())
    return [(r, found[r.id]) for r in records]


# --- loaders ---------------------------------------------------------------------------------


def load_request(session: Session, case: Case, request_id: int) -> ConsentRequest:
    found = session.get(ConsentRequest, request_id)
    if found is None or found.case_id != case.id:
        raise NotFound()
    return found


def load_record(session: Session, actor: Actor, case: Case, record_id: int) -> ConsentRecord:
    found = session.get(ConsentRecord, record_id)
    if found is None or found.case_id != case.id or not _may_know(session, actor, case, found):
        raise NotFound()
    return found


def load_acknowledgement(
    session: Session, actor: Actor, case_id: int, ack_id: int
) -> ConsentAcknowledgement:
    """An acknowledgement asked of the actor's organisation; it needs no view of the case."""
    found = session.get(ConsentAcknowledgement, ack_id)
    if (
        found is None
        or found.case_id != case_id
        or actor.kind != "staff"
        or found.organisation_id != actor.organisation_id
    ):
        raise NotFound()
    return found


def load_tenant_record(
    session: Session, person_ids: Sequence[int], record_id: int
) -> ConsentRecord:
    """A record of the signed-in tenant (any of the person records they proved to be)."""
    found = session.get(ConsentRecord, record_id)
    if found is None or found.person_id not in person_ids:
        raise NotFound()
    return found


def load_tenant_withdrawal(
    session: Session, person_ids: Sequence[int], event_id: int
) -> ConsentEvent:
    """A withdrawal of one of the signed-in tenant's own records (her receipt of it); any
    other event, or someone else's, looks missing."""
    found = session.get(ConsentEvent, event_id)
    if found is None or found.kind != "withdrawn" or found.record.person_id not in person_ids:
        raise NotFound()
    return found


def tenant_records(session: Session, person_ids: Sequence[int]) -> list[ConsentRecord]:
    if not person_ids:
        return []
    return list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.person_id.in_(person_ids))
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        )
    )


def receipt_records(
    session: Session, person_ids: Sequence[int], receipt_id: str
) -> list[ConsentRecord]:
    """The records given together under one receipt, if they belong to this tenant."""
    records = list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.receipt_id == receipt_id)
            .order_by(ConsentRecord.id)
        )
    )
    if not records or any(r.person_id not in person_ids for r in records):
        raise NotFound()
    return records


def _organisation_roles(session: Session, organisation_id: int | None) -> frozenset[str]:
    from portal.covenant.rules import NoActiveCovenant, active_covenant

    org = session.get(Organisation, organisation_id) if organisation_id else None
    if org is None:
        return frozenset()
    try:
        return active_covenant(session).roles_of(org.slug)
    except NoActiveCovenant:
        return frozenset()


def _may_know(session: Session, actor: Actor, case: Case, record: ConsentRecord) -> bool:
    """The owner knows every record of its case; a recipient only the records naming it
    (another partner's consent may itself reveal who helps the tenant)."""
    if actor.kind == "system":
        return True
    if actor.kind != "staff":
        return False
    if case.organisation_id == actor.organisation_id:
        return True
    if record.recipient_organisation_id is not None:
        return record.recipient_organisation_id == actor.organisation_id
    return record.recipient_role in _organisation_roles(session, actor.organisation_id)


# --- the professional's overview ---------------------------------------------------------------


@dataclass
class Overview:
    """What a professional may know about a case's consents, for the page and the panel."""

    is_owner: bool
    records: list[ConsentRecord]
    states: dict[int, RecordState]
    requests: list[ConsentRequest]
    acknowledgements: list[ConsentAcknowledgement]
    #: This organisation's acknowledgements still to give.
    to_acknowledge: list[ConsentAcknowledgement] = field(default_factory=list)
    checked_at: datetime = field(default_factory=utcnow)

    @property
    def active(self) -> list[ConsentRecord]:
        return [r for r in self.records if self.states[r.id].status == "valid"]

    @property
    def ended(self) -> list[ConsentRecord]:
        return [r for r in self.records if self.states[r.id].status != "valid"]

    @property
    def open_requests(self) -> list[ConsentRequest]:
        return [r for r in self.requests if r.status in ("pending", "unconfirmed")]


def overview(session: Session, actor: Actor, case: Case) -> Overview:
    is_owner = actor.kind == "staff" and case.organisation_id == actor.organisation_id
    records = [
        r
        for r in session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.case_id == case.id)
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        )
        if _may_know(session, actor, case, r)
    ]
    now = utcnow()
    requests = (
        list(
            session.scalars(
                select(ConsentRequest)
                .where(ConsentRequest.case_id == case.id)
                .order_by(ConsentRequest.id.desc())
            )
        )
        if is_owner
        else []
    )
    ack_query = select(ConsentAcknowledgement).where(ConsentAcknowledgement.case_id == case.id)
    if not is_owner:
        ack_query = ack_query.where(ConsentAcknowledgement.organisation_id == actor.organisation_id)
    acknowledgements = list(session.scalars(ack_query.order_by(ConsentAcknowledgement.id)))
    return Overview(
        is_owner=is_owner,
        records=records,
        states=states(session, records, now),
        requests=requests,
        acknowledgements=acknowledgements,
        to_acknowledge=[
            a
            for a in acknowledgements
            if a.acknowledged_at is None and a.organisation_id == actor.organisation_id
        ],
        checked_at=now,
    )


def pending_acknowledgements(session: Session, actor: Actor) -> list[ConsentAcknowledgement]:
    """Every withdrawal this organisation still has to acknowledge (its inbox of notices)."""
    if actor.kind != "staff" or actor.organisation_id is None:
        return []
    return list(
        session.scalars(
            select(ConsentAcknowledgement)
            .where(
                ConsentAcknowledgement.organisation_id == actor.organisation_id,
                ConsentAcknowledgement.acknowledged_at.is_(None),
            )
            .order_by(ConsentAcknowledgement.id)
        )
    )
