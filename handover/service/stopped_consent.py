"""Consent that stops counting: a withdrawal or expiry is noted on each active referral whose
package relied on it, so both sides see why part of it is now withheld."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.models import ACTIVE, Referral, ReferralEvent
from portal.actor import Actor
from portal.audit.service import record

if TYPE_CHECKING:
    from consent.models import ConsentEvent, ConsentRecord


def consent_ended(session: Session, consent: ConsentRecord, event: ConsentEvent) -> None:
    """A consent a package relied on was withdrawn or expired: note it on each active referral
    it covered, so both sides see why part of the package is now withheld.

    The referral itself goes on (the statutory part of the package still holds, and new
    consent makes the rest visible again on the next request); the policy point already
    withholds the stopped categories.
    """
    stopped = set(event.categories or consent.categories)
    rows = session.scalars(
        select(Referral).where(
            Referral.case_id == consent.case_id,
            Referral.purpose == consent.purpose,
            Referral.recipient_role == consent.recipient_role,
            Referral.status.in_(ACTIVE),
        )
    )
    for referral in rows:
        if consent.recipient_organisation_id not in (None, referral.recipient_org_id):
            continue
        hit = sorted(stopped & set(referral.categories))
        if not hit:
            continue
        kind = f"consent_{event.kind}"
        referral.events.append(
            ReferralEvent(
                case_id=referral.case_id,
                kind=kind,
                from_status=referral.status,
                to_status=referral.status,
                categories=hit,
                at=event.occurred_at,
            )
        )
        session.flush()
        record(
            session,
            Actor.system("consent"),
            f"referral.{kind}",
            case_id=referral.case_id,
            detail={"referral": referral.id, "consent": consent.id, "categories": hit},
        )
