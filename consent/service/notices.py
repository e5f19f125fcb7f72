"""When a consent ends (withdrawn or expired): the e-mail to the owner's caseworkers, and
for every organisation that received data under it an acknowledgement to confirm (its
notices) and an e-mail. Messages carry the case reference and a link, no personal data."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consent.models import ConsentAcknowledgement, ConsentEvent, ConsentRecord
from consent.service.links import case_consent_url
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.audit.service import record as audit
from portal.db import changed_rows, utcnow
from portal.errors import Conflict, NotFound
from portal.outbox.notices import notify_casework


def received_under(session: Session, record: ConsentRecord) -> list[int]:
    """Organisations that were shown data on the basis of this consent (from the audit log:
    the policy point writes ``consent:<id>`` as the basis of each category it showed)."""
    marker = f'"consent:{record.id}"'
    found = session.scalars(
        select(AuditEvent.organisation_id)
        .where(
            AuditEvent.case_id == record.case_id,
            AuditEvent.organisation_id.is_not(None),
            AuditEvent.detail.contains(marker),
        )
        .distinct()
    )
    return sorted({org for org in found if org is not None and org != record.organisation_id})


def notify_end(session: Session, record: ConsentRecord, event: ConsentEvent, now: datetime) -> None:
    case = record.case
    ended = _("Toestemming ingetrokken") if event.kind == "withdrawn" else _("Toestemming verlopen")
    link = case_consent_url(case.id)
    notify_casework(
        session,
        [record.organisation_id],
        subject=f"{ended} ({case.reference})",
        lines=[
            _(
                "Voor casus %(ref)s is een toestemming %(what)s (toestemming %(id)s).",
                ref=case.reference,
                what=ended.lower(),
                id=record.id,
            )
        ],
        link=link,
        kind="consent_notice",
    )
    for org_id in received_under(session, record):
        ack = ConsentAcknowledgement(
            event=event,
            record_id=record.id,
            case_id=case.id,
            organisation_id=org_id,
            created_at=now,
        )
        session.add(ack)
        notify_casework(
            session,
            [org_id],
            subject=_(
                "%(what)s: bevestig dat u dit heeft gezien (%(ref)s)",
                what=ended,
                ref=case.reference,
            ),
            lines=[
                _(
                    "Uw organisatie kreeg gegevens van casus %(ref)s op basis van toestemming "
                    "%(id)s. Die toestemming geldt niet meer.",
                    ref=case.reference,
                    id=record.id,
                ),
                _("Bevestig in het portaal dat u dit heeft gezien."),
            ],
            link=link,
            kind="consent_notice",
        )
    session.flush()


def acknowledge(
    session: Session,
    actor: Actor,
    acknowledgement: ConsentAcknowledgement,
    *,
    now: datetime | None = None,
) -> ConsentAcknowledgement:
    """A recipient organisation confirms it saw the withdrawal or expiry."""
    if actor.kind != "staff" or actor.organisation_id != acknowledgement.organisation_id:
        raise NotFound()
    now = now or utcnow()
    done = changed_rows(
        session,
        update(ConsentAcknowledgement)
        .where(
            ConsentAcknowledgement.id == acknowledgement.id,
            ConsentAcknowledgement.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now, acknowledged_by_id=actor.user_id)
        .execution_options(synchronize_session=False),
    )
    if not done:
        raise Conflict(str(_l("Dit is al bevestigd.")))
    session.refresh(acknowledgement)
    audit(
        session,
        actor,
        "consent.acknowledged",
        case_id=acknowledgement.case_id,
        detail={"record": acknowledgement.record_id, "event": acknowledgement.event_id},
    )
    return acknowledgement
