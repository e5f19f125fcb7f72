"""When a referral ends without help, the case goes on by itself, as the covenant says.

A referral that is declined, returned, or not answered in time ends; the case must not stop
there. The covenant decides per purpose (``escalation``):

- ``"automatic"``: the case is offered to the ladder's next rung at once, with everything
  gathered so far (the next rung's package, the groundwork, why it came back), when exactly one
  partner plays that role. The sender, the partner the case came from and the next partner are
  told.
- ``"sender"``, several partners on the next rung, or a next partner that already has the case
  for this purpose (or a closed case): the choice is put before the sender with a
  deadline (``escalation_days``): it is in the sender's "Mijn werk" and on the referral's
  page. When the deadline passes unchosen, the coordinating role is alerted, once.

A ladder that runs out alerts the coordinating role (``coordinates = true``) and the sender at
once. Early signals have their own follow-up and are left alone.

``referral_ended`` runs in the transaction that ended the referral; ``check_escalations`` runs
with the SLA check (``flask sla check``) and alerts on deadlines nobody met.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.earlysignal.deadlines import is_signal
from handover.models import ESCALATABLE, Referral
from handover.service import escalate_locked, may_offer_next, next_step, notify_party
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.covenant.rules import active_covenant
from portal.links import external_url
from portal.outbox.notices import notify_casework


def _covenant_actor(referral: Referral) -> Actor:
    """The covenant acting for the sender: the audit log says it was the rule, not a person."""
    return Actor(kind="system", organisation_id=referral.sender_org_id, label="covenant:escalation")


def referral_ended(session: Session, referral: Referral, *, now: datetime) -> Referral | None:
    """What follows a decline, return or expiry; answers the next referral when the covenant
    offered the case on at once."""
    if referral.status not in ESCALATABLE or is_signal(session, referral):
        return None
    step = next_step(session, referral)
    if step is None:
        _alert_coordinators(session, referral, "referral.ladder_ended", now=now)
        notify_party(session, referral.sender_org_id, referral, "Geen volgende stap op de ladder")
        return None
    rule = active_covenant(session).purpose(referral.purpose)
    if (
        rule.escalation == "automatic"
        and len(step.recipients) == 1
        and may_offer_next(session, referral, step.recipients[0].id)
    ):
        next_referral = escalate_locked(
            session, _covenant_actor(referral), referral, step.recipients[0].id, None, now=now
        )
        what = f"Automatisch aangeboden aan {step.recipients[0].name}"
        for org_id in (referral.sender_org_id, referral.recipient_org_id):
            notify_party(session, org_id, referral, what)
        return next_referral
    referral.escalation_due_at = now + timedelta(days=rule.escalation_days)
    notify_party(session, referral.sender_org_id, referral, "Kies de volgende stap op de ladder")
    return None


def check_escalations(session: Session, *, now: datetime) -> list[int]:
    """Alert the coordinating role, once, for each referral whose sender let the choice of
    the next step pass."""
    stuck = session.scalars(
        select(Referral).where(
            Referral.status.in_(ESCALATABLE),
            Referral.escalation_due_at < now,
            Referral.escalation_alerted_at.is_(None),
        )
    ).all()
    for referral in stuck:
        _alert_coordinators(session, referral, "referral.escalation_overdue", now=now)
    return [r.id for r in stuck]


def _alert_coordinators(
    session: Session, referral: Referral, action: str, *, now: datetime
) -> None:
    """Tell the coordinating role's partners (a reference and what happened, nothing more)."""
    referral.escalation_alerted_at = now
    covenant = active_covenant(session)
    slugs = {
        slug for role in covenant.coordinating_roles() for slug in covenant.partners_with_role(role)
    }
    coordinators = (
        list(session.scalars(select(Organisation.id).where(Organisation.slug.in_(slugs))))
        if slugs
        else []
    )
    record(
        session,
        Actor.system("covenant:escalation"),
        action,
        case_id=referral.case_id,
        detail={"referral": referral.id, "told": coordinators},
    )
    if not coordinators:
        return
    reference = referral.case.reference
    what = (
        "Geen volgende stap op de ladder"
        if action == "referral.ladder_ended"
        else "Geen keuze voor de volgende stap binnen de termijn"
    )
    notify_casework(
        session,
        coordinators,
        subject=f"{what} ({reference})",
        lines=[
            f"{what}.",
            "",
            f"Casus: {reference}",
            f"Afzender: {referral.sender.name}",
            "Neem contact op met de afzender om de casus verder te helpen.",
        ],
        link=external_url("accounts.dashboard"),
        kind="referral",
    )
