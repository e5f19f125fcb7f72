"""What every step of a referral's life shares: who may act (casework staff, as sender or
recipient), the row lock with the version the user saw, a cleaned reason, and ``move``, the one
way a status changes (its event, the grants, the webhooks, the audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.earlysignal.deadlines import referral_closed
from handover.models import ACTIVE, Referral, ReferralEvent
from handover.policy import sync_grants
from portal.accounts.models import Organisation
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.api.service.webhooks import Event, emit
from portal.audit.service import record
from portal.covenant.rules import Covenant
from portal.db import lock_row
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.links import external_url
from portal.outbox.notices import notify_casework

REASON_MAX = 2000


@dataclass(frozen=True)
class PackageItem:
    category: str
    basis: str  # legal basis code
    consent: bool  # the basis is consent
    included: bool  # statutory, or consent given
    consent_status: str | None = None


@dataclass(frozen=True)
class Proposal:
    """What the portal proposes for a referral: the rung, the recipient, the package."""

    purpose: str
    rung: int
    recipient_role: str
    recipients: list[Organisation]
    items: list[PackageItem] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return [i.category for i in self.items if i.included]

    @property
    def missing_consent(self) -> list[str]:
        return [i.category for i in self.items if i.consent and not i.included]


def require_staff(actor: Actor) -> int:
    """Casework staff only; answers their organisation's id (every staff actor has one)."""
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        raise Forbidden()
    return actor.organisation_id


def as_recipient(actor: Actor, referral: Referral) -> None:
    require_staff(actor)
    if actor.organisation_id != referral.recipient_org_id:
        raise NotFound()


def as_sender(actor: Actor, referral: Referral) -> None:
    require_staff(actor)
    if actor.organisation_id != referral.sender_org_id:
        raise NotFound()


def recipients_of(session: Session, covenant: Covenant, role: str) -> list[Organisation]:
    slugs = covenant.partners_with_role(role)
    if not slugs:
        return []
    return list(
        session.scalars(
            select(Organisation).where(Organisation.slug.in_(slugs)).order_by(Organisation.name)
        )
    )


def lock(session: Session, referral: Referral, expected_version: int | None) -> Referral:
    """Lock the row and re-read it; refuse when someone changed it since the user looked."""
    locked = lock_row(session, referral)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def clean_reason(reason: str | None, required: bool) -> str | None:
    text = " ".join((reason or "").split())
    if required and len(text) < 3:
        raise DomainError(_l("Geef een korte reden."))
    if len(text) > REASON_MAX:
        raise DomainError(_l("De reden is te lang (maximaal %(n)s tekens).", n=REASON_MAX))
    return text or None


def move(
    session: Session,
    actor: Actor,
    referral: Referral,
    kind: str,
    to_status: str,
    *,
    reason: str | None = None,
    now: datetime,
) -> None:
    move_all(session, actor, [referral], kind, to_status, reason=reason, now=now)


def move_all(
    session: Session,
    actor: Actor,
    referrals: list[Referral],
    kind: str,
    to_status: str,
    *,
    reason: str | None = None,
    now: datetime,
) -> None:
    """Every change of status: its event in the history, the grants, the audit log."""
    moves = []
    for referral in referrals:
        event = ReferralEvent(
            case_id=referral.case_id,
            kind=kind,
            from_status=referral.status,
            to_status=to_status,
            user_id=actor.user_id,
            organisation_id=actor.organisation_id,
            at=now,
        )
        referral.events.append(event)
        if reason:
            event.reason = reason
        referral.status = to_status
        moves.append((referral, event.from_status))
    session.flush()
    sync_grants(session, referrals)
    # Both sides' systems hear of it (a reference and the event; they read the rest).
    emit(
        session,
        [
            Event(
                frozenset({r.sender_org_id, r.recipient_org_id}),
                f"referral.{kind}",
                {
                    "referral_id": r.id,
                    "case_reference": r.case.reference,
                    "purpose": r.purpose,
                    "status": to_status,
                },
            )
            for r, _from in moves
        ],
    )
    for referral, from_status in moves:
        if to_status not in ACTIVE:
            referral_closed(session, referral)
        record(
            session,
            actor,
            f"referral.{kind}",
            case_id=referral.case_id,
            categories=["identity"] if reason else [],
            detail={"referral": referral.id, "from": from_status, "to": to_status},
        )


def notify_party(session: Session, organisation_id: int, referral: Referral, what: str) -> None:
    """E-mail the organisation's casework staff what happened to the referral."""
    reference = referral.case.reference
    notify_casework(
        session,
        [organisation_id],
        subject=f"{what} ({reference})",
        lines=[f"{what}.", "", f"Casus: {reference}"],
        link=external_url("handover.detail", referral_id=referral.id),
        kind="referral",
    )


def due(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)
