"""Demo referrals (development only): Scenario B, and a referral nobody answered.

The corporation referred the Visser household to the debt coach on the tenant's paper consent;
the coach accepted, checked the arrears figure, tried three times to reach the tenant and
returned the case. The covenant offers debt help's next rung at once (``escalation =
"automatic"``), so the case is already with welfare, everything gathered so far with it:
signed in as welfare, the newcomer accepts it and records the house visit.

The El Idrissi household was referred to the debt coach a week ago and nobody answered within
the covenant's three days: the SLA check (run here as it runs every night) expires the
referral, and the covenant offers the case to welfare by itself.

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
#: The fictional El Idrissi household (``portal.demo``): its referral expires unanswered.
UNANSWERED_BSN = "231456773"
ATTEMPTS = (
    (12, "phone", "Twee keer gebeld, geen gehoor."),
    (10, "letter", "Brief met uitnodiging voor een gesprek."),
    (7, "house_visit", "Niemand thuis; kaartje achtergelaten."),
)


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def load(session: Session) -> Referral | None:
    """Create the returned referral unless the household already has one, and the unanswered
    one; return the Visser household's latest referral."""
    from handover.emergency import demo as emergency

    latest = _load_returned(session)
    _load_unanswered(session)
    emergency.load(session)
    return latest


def _consent(session: Session, sanne: Actor, case, partners: dict[str, Actor], when: datetime):
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
        now=when,
    )


def _days_ago(n: int) -> datetime:
    return datetime.combine(utcnow().date() - timedelta(days=n), time(10), tzinfo=UTC)


def _people(session: Session, bsn: str):
    """The corporation's caseworker, the partners, and the household's open case (or None)."""
    sanne = _actor(session, "sanne@corporatie.example")
    found = {role: _actor(session, email) for role, email in PARTNERS.items()}
    partners = {role: actor for role, actor in found.items() if actor is not None}
    if sanne is None or len(partners) < len(found):
        return None
    cases = [c for c in find_cases_by_bsn(session, sanne, bsn) if c.status != "closed"]
    return (sanne, partners, cases[0]) if cases else None


def _refer(
    session: Session, sanne: Actor, partners: dict[str, Actor], case, note: str, *, days_ago: int
) -> Referral:
    """The tenant's paper consent the day before, then the corporation refers her to the
    debt coach ``days_ago`` days ago."""
    _consent(session, sanne, case, partners, _days_ago(days_ago + 1))
    coach_org = partners["debt_coach"].organisation_id
    assert coach_org is not None  # a staff actor always has one
    return service.send(
        session, sanne, case, purpose=PURPOSE, recipient_org_id=coach_org, note=note,
        now=_days_ago(days_ago),
    )  # fmt: skip


def _load_unanswered(session: Session) -> None:
    if active_version(session) is None or (people := _people(session, UNANSWERED_BSN)) is None:
        return
    sanne, partners, case = people
    if session.scalar(select(Referral.id).where(Referral.case_id == case.id).limit(1)):
        return
    _refer(session, sanne, partners, case, "Huurder belde zelf; wil graag hulp.", days_ago=7)
    service.check_sla(session)  # nobody answered in three days: expired, offered on


def _load_returned(session: Session) -> Referral | None:
    if active_version(session) is None or (people := _people(session, BSN)) is None:
        return None
    sanne, partners, case = people
    latest = session.scalar(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.id.desc()).limit(1)
    )
    if latest is not None:
        return latest

    days_ago = _days_ago  # the story's days, counted back from today
    coach = partners["debt_coach"]
    referral = _refer(
        session, sanne, partners, case,
        "Huurder wil hulp, maar is slecht bereikbaar. Liefst bellen na 18.00 uur.", days_ago=14,
    )  # fmt: skip
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
    service.return_to_sender(  # the covenant offers it to welfare at once
        session,
        coach,
        referral,
        "Drie keer geprobeerd, geen contact. Misschien lukt het welzijn samen met de corporatie.",
        version=referral.version,
        now=days_ago(2),
    )
    return session.scalar(select(Referral).where(Referral.previous_id == referral.id))
