"""Up the covenant's ladder: reopening a closed referral, and offering the case to the next
rung with everything gathered so far (by its sender, or by the covenant's own escalation)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from handover.earlysignal.deadlines import signals_sent
from handover.models import ESCALATABLE, Referral
from handover.service.common import (
    Proposal,
    as_sender,
    due,
    lock,
    move,
    notify_party,
    require_staff,
)
from handover.service.sending import dispatch, open_referrals, propose
from portal.actor import Actor
from portal.covenant.rules import active_covenant
from portal.db import utcnow
from portal.errors import Conflict, DomainError, NotFound


def reopen(
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """A completed referral goes back to work (receiver); a refused one is offered again."""
    require_staff(actor)
    now = now or utcnow()
    referral = lock(session, referral, version)
    if referral.status == "completed" and actor.organisation_id == referral.recipient_org_id:
        referral.closed_at = None
        referral.outcome = None
        move(session, actor, referral, "reopen", "in_progress", now=now)
        notify_party(session, referral.sender_org_id, referral, "Overdracht heropend")
    elif referral.status in ("declined", "returned", "expired", "withdrawn") and (
        actor.organisation_id == referral.sender_org_id
    ):
        rung = active_covenant(session).ladder(referral.purpose)[referral.rung]
        referral.closed_at = None
        referral.accepted_at = referral.first_contact_due_at = referral.first_contact_at = None
        referral.sent_at = now
        referral.response_due_at = due(now, rung.response_days)
        move(session, actor, referral, "reopen", "sent", now=now)
        signals_sent(session, [referral], now)
        notify_party(session, referral.recipient_org_id, referral, "Overdracht opnieuw aangeboden")
    elif actor.organisation_id in (referral.sender_org_id, referral.recipient_org_id):
        raise Conflict(_l("Deze overdracht kan niet worden heropend."))
    else:
        raise NotFound()
    return referral


def next_step(session: Session, referral: Referral) -> Proposal | None:
    """After a decline, return or expiry: the proposal for the next rung, if the ladder has one."""
    if referral.status not in ESCALATABLE:
        return None
    if referral.rung + 1 >= len(active_covenant(session).ladder(referral.purpose)):
        return None
    return propose(session, referral.case, referral.purpose, rung=referral.rung + 1)


def escalate(
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    recipient_org_id: int,
    note: str | None,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Offer the case to the next rung, carrying everything gathered so far."""
    as_sender(actor, referral)
    now = now or utcnow()
    referral = lock(session, referral, version)
    return escalate_locked(session, actor, referral, recipient_org_id, note, now=now)


def may_offer_next(session: Session, referral: Referral, recipient_org_id: int) -> bool:
    """Whether the case can go to the next rung's partner without a refusal: still open, and
    not already with that partner for this purpose (the covenant's own escalation checks this
    first, so a decline never fails on what follows it)."""
    return referral.case.status != "closed" and not open_referrals(
        session, [referral.case_id], referral.purpose, recipient_org_id
    )


def escalate_locked(
    session: Session,
    actor: Actor,
    referral: Referral,
    recipient_org_id: int,
    note: str | None,
    *,
    now: datetime,
) -> Referral:
    """``escalate`` on a locked referral, by its sender or by the covenant itself."""
    if referral.status not in ESCALATABLE:
        raise Conflict(_l("Deze overdracht kan niet naar de volgende stap."))
    if next_step(session, referral) is None:
        raise DomainError(_l("Er is geen volgende stap op de ladder."))
    referral.escalation_due_at = None
    move(session, actor, referral, "escalate", "escalated", now=now)
    return dispatch(
        session,
        actor,
        referral.case,
        purpose=referral.purpose,
        recipient_org_id=recipient_org_id,
        note=note,
        rung=referral.rung + 1,
        previous=referral,
        now=now,
    )
