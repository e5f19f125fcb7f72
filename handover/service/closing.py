"""A referral closed with a reason: declined or returned by the receiver, withdrawn by the
sender. The reason stays in the history and the other side is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from handover.models import Referral
from handover.service.common import as_recipient, as_sender, clean_reason, lock, move, notify_party
from portal.actor import Actor
from portal.db import utcnow
from portal.errors import Conflict


@dataclass(frozen=True)
class Closing:
    """One way a referral closes with a reason: from which statuses, and what each side sees."""

    kind: str
    to_status: str
    open_in: tuple[str, ...]
    refusal: str
    notice: str


DECLINE = Closing(
    "decline",
    "declined",
    ("sent",),
    _l("Deze overdracht wacht niet meer op acceptatie."),
    "Overdracht afgewezen",
)


RETURN = Closing(
    "return",
    "returned",
    ("accepted", "in_progress"),
    _l("Alleen een geaccepteerde overdracht kan worden teruggegeven."),
    "Overdracht teruggegeven",
)


WITHDRAW = Closing(
    "withdraw",
    "withdrawn",
    ("sent", "accepted"),
    _l("Deze overdracht kan niet meer worden ingetrokken."),
    "Overdracht ingetrokken",
)


def close_with_reason(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    closing: Closing,
    *,
    version: int | None,
    now: datetime | None,
) -> Referral:
    """Decline, return or withdraw: always with a reason, kept in the history; the other side
    is told."""
    cleaned = clean_reason(reason, True)
    now = now or utcnow()
    referral = lock(session, referral, version)
    if referral.status not in closing.open_in:
        raise Conflict(closing.refusal)
    referral.closed_at = now
    move(session, actor, referral, closing.kind, closing.to_status, reason=cleaned, now=now)
    other = (
        referral.recipient_org_id
        if actor.organisation_id == referral.sender_org_id
        else referral.sender_org_id
    )
    notify_party(session, other, referral, closing.notice)
    if closing is not WITHDRAW:
        from handover.escalation import referral_ended  # it builds on this module

        referral_ended(session, referral, now=now)
    return referral


def decline(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    as_recipient(actor, referral)
    return close_with_reason(session, actor, referral, reason, DECLINE, version=version, now=now)


def return_to_sender(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """The receiver gives the case back, e.g. because the tenant could not be reached."""
    as_recipient(actor, referral)
    return close_with_reason(session, actor, referral, reason, RETURN, version=version, now=now)


def withdraw(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Take back a referral sent by mistake; it stays in the history with the reason."""
    as_sender(actor, referral)
    return close_with_reason(session, actor, referral, reason, WITHDRAW, version=version, now=now)
