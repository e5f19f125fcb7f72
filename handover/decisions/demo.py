"""Demo data for joint decisions: a Scenario C household with an eviction decision ready for
the partners to vote on (development only; called from ``portal.demo.load_demo``).

Everything goes through the services, so the demo's history (referral, confirmations,
timeline) is recorded and audited like a real one. All names are fictional.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.decisions import service
from handover.decisions.models import Decision
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases import groundwork
from portal.cases.service import PersonData, create_case
from portal.covenant.rules import active_version
from portal.workdays import local_today

KIND = "eviction"
ALTERNATIVE = "last_chance"
MOTIVATIONS = {
    "contact_attempts": (
        "Sinds maart zes keer gebeld, drie brieven gestuurd en twee keer op huisbezoek geweest; "
        "in juni een gesprek gehad met mevrouw."
    ),
    "debt_help_offered": (
        "Schuldhulp is aangeboden en gestart; de hulp is in september zonder resultaat "
        "beëindigd omdat afspraken niet werden nagekomen."
    ),
    "payment_arrangement_considered": (
        "In april een betalingsregeling van 75 euro per maand afgesproken; na twee termijnen "
        "gestopt. Een nieuwe regeling is aangeboden maar niet getekend."
    ),
    "crisis_team_involved": (
        "Het crisisteam is sinds de dagvaarding betrokken en beslist mee; opvang voor het gezin "
        "is besproken."
    ),
    "last_chance_considered": (
        "Een laatstekanstraject van twee jaar met begeleid wonen en een budgetcoach is "
        "voorbereid als alternatief."
    ),
}


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def load(session: Session) -> Decision | None:
    """Create the demo decision unless any decision exists (idempotent)."""
    if active_version(session) is None:
        return None
    if session.scalar(select(Decision.id).limit(1)) is not None:
        return None
    sanne = _actor(session, "sanne@corporatie.example")
    ahmet = _actor(session, "ahmet@schuldhulp.example")
    corporation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
    coach_org = session.scalar(select(Organisation).where(Organisation.slug == "schuldhulp"))
    if sanne is None or ahmet is None or corporation is None or coach_org is None:
        return None
    today = local_today()
    case = create_case(
        session,
        sanne,
        corporation,
        [
            PersonData(
                surname="de Boer", initials="M.", birth_date=date(1986, 2, 14),
                bsn="246813581", phone="06 41234567", street="Lindelaan", house_number="7",
                postcode="1234 CD", city="Demostad", is_main_tenant=True,
            ),
            PersonData(surname="de Boer", initials="J.", birth_date=date(2013, 6, 2),
                       minor=True),
            PersonData(surname="de Boer", initials="L.", birth_date=date(2016, 11, 20),
                       minor=True),
        ],
        signal_kinds=("arrears", "nuisance"),
        arrears_cents=412_350,
    )  # fmt: skip
    # The groundwork the prevention record reads: calls and a letter that went unanswered, a
    # house visit that reached her, and a payment arrangement she could not keep.
    for days, channel, outcome, note in (
        (-120, "phone", "not_reached", "Twee keer gebeld, geen gehoor."),
        (-113, "letter", "not_reached", "Brief met een uitnodiging voor een gesprek."),
        (-105, "house_visit", "reached", "Huisbezoek; zij wil een regeling."),
    ):
        groundwork.add_contact_attempt(
            session, sanne, case,
            groundwork.ContactAttemptData(today + timedelta(days=days), channel, outcome, note),
        )  # fmt: skip
    groundwork.add_agreement(
        session, sanne, case,
        groundwork.AgreementData(7_500, today - timedelta(days=100), "broken",
                                 "Na twee termijnen gestopt."),
    )  # fmt: skip
    # Debt help: started, then ended without result.
    referral = referrals.send(
        session, sanne, case, purpose="debt_help", recipient_org_id=coach_org.id,
        note="Huisbezoek gelukt; mevrouw wil hulp bij haar schulden.",
    )  # fmt: skip
    referrals.accept(session, ahmet, referral, version=None)
    referrals.report(session, ahmet, referral, "help_started", version=None)
    referrals.report(session, ahmet, referral, "help_ended", outcome="no_result", version=None)

    decision = service.open_decision(
        session,
        sanne,
        case,
        kind=KIND,
        grounds=["arrears", "nuisance"],
        court_status="judgment",
        judgment_date=today - timedelta(days=20),
        motivation=(
            "De huurachterstand is na de mislukte regeling opgelopen tot ruim 4.000 euro en de "
            "overlastmeldingen gaan door. De rechter heeft de ontruiming toegewezen."
        ),
    )
    for kind, days, note in (
        ("summons", -60, "Dagvaarding betekend door de deurwaarder."),
        ("hearing", -35, "Mondelinge behandeling bij de kantonrechter."),
        ("judgment", -20, "Vonnis: ontbinding en ontruiming toegewezen."),
        ("bailiff", 25, "Aangezegde ontruimingsdatum."),
    ):
        service.add_timeline_entry(
            session, sanne, decision, kind=kind, happens_on=today + timedelta(days=days), note=note
        )
    for step in service.covenant_for(session, decision).required_prevention_steps(KIND):
        service.confirm_step(
            session, sanne, decision, step, MOTIVATIONS.get(step, "Besproken in het casusoverleg.")
        )
    service.prepare_trajectory(
        session,
        sanne,
        decision,
        kind=ALTERNATIVE,
        months=24,
        conditions=(
            "Elke maand de huur op tijd betalen, de achterstand aflossen met 50 euro per maand, "
            "geen overlast; bij een overtreding volgt alsnog ontruiming."
        ),
        support_agreement="Begeleid wonen via de zorgpartner en een budgetcoach van de gemeente.",
    )
    service.record_hearing(
        session,
        sanne,
        decision,
        "in_person",
        "Huisbezoek met de huurder en de schuldhulpcoach. De huurder wil blijven en "
        "accepteert begeleid wonen; zij vraagt om een regeling van 50 euro per maand.",
    )
    service.open_voting(session, sanne, decision)
    return decision
