"""The demo's approved eviction of a family (the fictional Verbeek household: a mother and
two children): the partners agreed, the shelter point accepted the hand-over and arranged a
place, but the children's school and care are not informed yet, so the corporation cannot
instruct the bailiff. Seeded through the services, like the other demo decisions; names are
fictional."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.decisions import service as decisions
from handover.shelter import service
from handover.shelter.models import ShelterHandover
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases.service import PersonData, create_case
from portal.covenant.rules import active_version
from portal.workdays import local_today

BSN = "200063352"
OWNER = "sanne@corporatie.example"
SHELTER = "yara@opvang.example"
VOTERS = ("sanne@corporatie.example", "marieke@crisisteam.example", "daan@zorg.example")
WHY = "Besproken in het casusoverleg: alle alternatieven zijn geprobeerd."


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def load(session: Session) -> ShelterHandover | None:
    """Idempotent: nothing happens once any shelter hand-over exists."""
    if active_version(session) is None or session.scalar(select(ShelterHandover.id).limit(1)):
        return None
    sanne, yara = _actor(session, OWNER), _actor(session, SHELTER)
    corporation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
    voters = [_actor(session, email) for email in VOTERS]
    if sanne is None or yara is None or corporation is None or None in voters:
        return None
    today = local_today()
    case = create_case(
        session,
        sanne,
        corporation,
        [
            PersonData(
                surname="Verbeek", initials="N.", birth_date=date(1989, 5, 3), bsn=BSN,
                phone="06 48765432", street="Populierstraat", house_number="21",
                postcode="1234 EF", city="Demostad", is_main_tenant=True,
            ),
            PersonData(surname="Verbeek", initials="S.", birth_date=date(2015, 9, 12),
                       relation="child", minor=True),
            PersonData(surname="Verbeek", initials="Y.", birth_date=date(2019, 1, 30),
                       relation="child", minor=True),
        ],
        signal_kinds=("arrears",),
        arrears_cents=689_000,
    )  # fmt: skip
    decision = decisions.open_decision(
        session,
        sanne,
        case,
        kind="eviction",
        grounds=["arrears"],
        court_status="judgment",
        judgment_date=today - timedelta(days=30),
        motivation=(
            "De achterstand is opgelopen tot bijna 7.000 euro; schuldhulp en twee regelingen "
            "zijn niet gelukt. De rechter heeft de ontruiming toegewezen."
        ),
    )
    decisions.add_timeline_entry(
        session,
        sanne,
        decision,
        kind="bailiff",
        happens_on=today + timedelta(days=21),
        note="Aangezegde ontruimingsdatum.",
    )
    for step in decisions.covenant_for(session, decision).required_prevention_steps("eviction"):
        decisions.confirm_step(session, sanne, decision, step, WHY)
    decisions.record_hearing(
        session, sanne, decision, "in_person", "Gesprek met mevrouw; zij zoekt zelf ook opvang."
    )
    decisions.open_voting(session, sanne, decision)
    for voter in voters:
        assert voter is not None
        decisions.cast_vote(
            session,
            voter,
            decision,
            position="agree",
            motivation="Eens, met opvang voor het gezin.",
        )
    handover = service.of_decision(session, decision.id)
    if handover is None:
        return None
    referral = service.referral_of(session, handover)
    assert referral is not None  # start referred the family
    referrals.accept(session, yara, referral, version=None)
    service.tick(
        session,
        yara,
        handover,
        "shelter_arranged",
        note="Gezinsopvang De Linde, Demostad: een kamer voor moeder en twee kinderen vanaf de "
        "dag van de ontruiming.",
    )
    return handover
