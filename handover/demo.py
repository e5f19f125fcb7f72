"""Demo referral (development only): Scenario B ready for its last step.

The corporation referred the Visser household to the debt coach on the tenant's paper consent;
the coach accepted, checked the arrears figure, tried three times to reach the tenant and
returned the case. Signed in as the corporation's caseworker, the newcomer offers it to
welfare (the next rung of the ladder) and sees everything gathered so far travel along.

Everything goes through the services, back-dated with their ``now`` arguments, so the history
and the audit log read like a real one. Called from ``portal.demo.load_demo``; idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import service as consent
from handover import service
from handover.models import ARREARS_ITEM, Referral
from portal.accounts.models import User
from portal.actor import Actor, staff_actor
from portal.cases.groundwork import ContactAttemptData, add_contact_attempt
from portal.cases.service import find_cases_by_bsn
from portal.covenant.rules import active_version
from portal.db import utcnow

#: The fictional Visser household of the demo cases (``portal.demo``).
BSN = "231456736"
PURPOSE = "debt_help"
CONSENT = {
    "debt_coach": ["contact_history", "household"],
    "welfare": ["identity", "contact", "household", "arrears", "finances", "contact_history"],
}
PARTNERS = {"debt_coach": "ahmet@schuldhulp.example", "welfare": "fatima@welzijn.example"}
ATTEMPTS = (
    (12, "phone", "Twee keer gebeld, geen gehoor."),
    (10, "letter", "Brief met uitnodiging voor een gesprek."),
    (7, "house_visit", "Niemand thuis; kaartje achtergelaten."),
)


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def load(session: Session) -> Referral | None:
    """Create the returned referral unless the household already has one; return the
    household's latest referral."""
    if active_version(session) is None:
        return None
    sanne = _actor(session, "sanne@corporatie.example")
    found = {role: _actor(session, email) for role, email in PARTNERS.items()}
    partners = {role: actor for role, actor in found.items() if actor is not None}
    if sanne is None or len(partners) < len(found):
        return None
    cases = [c for c in find_cases_by_bsn(session, sanne, BSN) if c.status != "closed"]
    if not cases:
        return None
    case = cases[0]
    latest = session.scalar(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.id.desc()).limit(1)
    )
    if latest is not None:
        return latest

    def days_ago(n: int) -> datetime:
        return datetime.combine(utcnow().date() - timedelta(days=n), time(10), tzinfo=UTC)

    coach = partners["debt_coach"]
    assert coach.organisation_id is not None  # a staff actor always has one
    consent.record_offline(
        session,
        sanne,
        case,
        person_id=consent.first_adult(case).id,
        purpose=PURPOSE,
        items=[
            {"role": role, "organisation_id": partners[role].organisation_id, "categories": cats}
            for role, cats in CONSENT.items()
        ],
        method="paper",
        language="nl",
        valid_days=365,
        evidence=consent.Evidence(b"%PDF-1.4\n% demo consent form\n", "application/pdf"),
        now=days_ago(15),
    )
    referral = service.send(
        session,
        sanne,
        case,
        purpose=PURPOSE,
        recipient_org_id=coach.organisation_id,
        note="Huurder wil hulp, maar is slecht bereikbaar. Liefst bellen na 18.00 uur.",
        now=days_ago(14),
    )
    service.accept(session, coach, referral, version=referral.version, now=days_ago(13))
    service.check_item(
        session, coach, referral, ARREARS_ITEM, case.id, "verified", now=days_ago(13)
    )
    for ago, channel, note in ATTEMPTS:
        attempt = add_contact_attempt(
            session,
            coach,
            case,
            ContactAttemptData(days_ago(ago).date(), channel, "not_reached", note),
        )
        attempt.created_at = attempt.updated_at = days_ago(ago)
    return service.return_to_sender(
        session,
        coach,
        referral,
        "Drie keer geprobeerd, geen contact. Misschien lukt het welzijn samen met de corporatie.",
        version=referral.version,
        now=days_ago(6),
    )
