"""The demo's last-chance trajectory followed up (Scenario C, three months on, for the
fictional Mol household): the partners refused the eviction, the last-chance trajectory
started, the tenant agreed on paper that the partners who follow her conditions may see her
case. Three conditions: assisted living (care), a budget coach (debt help) and paying the
rent (the corporation). One review kept, one breach, and the next reviews open in Mijn werk.
Seeded through the services; names are fictional."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import service as consent
from handover.conditions import service
from handover.conditions.models import TrajectoryCondition
from handover.decisions import service as decisions
from handover.decisions.models import Trajectory
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases.service import PersonData, create_case
from portal.covenant.rules import active_covenant, active_version
from portal.workdays import local_today

BSN = "200079190"
OWNER = "sanne@corporatie.example"
WHY = "Besproken in het casusoverleg; het dossier is compleet."
#: (what, responsible partner's slug, its reviewer's e-mail, every so many weeks)
CONDITIONS = (
    (
        "Begeleid wonen: elke week een afspraak met de woonbegeleider, en die afspraken nakomen.",
        "zorg",
        "daan@zorg.example",
        4,
    ),
    (
        "Budgetcoach: elke maand een afspraak bij de budgetcoach van de gemeente, en meewerken "
        "aan de schuldhulp.",
        "schuldhulp",
        "ahmet@schuldhulp.example",
        4,
    ),
    (
        "Elke maand de huur op tijd betalen, en de achterstand aflossen met 50 euro per maand.",
        "corporatie",
        OWNER,
        4,
    ),
)


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def load(session: Session) -> Trajectory | None:
    """Idempotent: nothing happens once any condition exists."""
    if active_version(session) is None or session.scalar(select(TrajectoryCondition.id).limit(1)):
        return None
    sanne = _actor(session, OWNER)
    marieke = _actor(session, "marieke@crisisteam.example")
    corporation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
    reviewers = {slug: _actor(session, email) for _w, slug, email, _n in CONDITIONS}
    if sanne is None or marieke is None or corporation is None or None in reviewers.values():
        return None
    today = local_today()
    opened, decided = today - timedelta(days=100), today - timedelta(days=91)
    case = create_case(
        session,
        sanne,
        corporation,
        [
            PersonData(
                surname="Mol", initials="R.", birth_date=date(1979, 8, 22), bsn=BSN,
                phone="06 43218765", street="Berkenhof", house_number="3",
                postcode="1234 GH", city="Demostad", is_main_tenant=True,
            ),
        ],
        signal_kinds=("arrears", "nuisance"),
        arrears_cents=298_000,
    )  # fmt: skip
    decision = decisions.open_decision(
        session,
        sanne,
        case,
        kind="eviction",
        grounds=["arrears", "nuisance"],
        court_status="requested",
        judgment_date=None,
        motivation="De achterstand loopt op en de overlast houdt aan na twee gesprekken.",
        now=_at(opened),
    )
    for step in decisions.covenant_for(session, decision).required_prevention_steps("eviction"):
        decisions.confirm_step(session, sanne, decision, step, WHY, now=_at(opened))
    decisions.record_hearing(
        session, sanne, decision, "in_person", "Huisbezoek: meneer wil blijven.", now=_at(opened)
    )
    decisions.prepare_trajectory(
        session,
        sanne,
        decision,
        kind="last_chance",
        months=24,
        conditions="Begeleid wonen, een budgetcoach en elke maand de huur op tijd betalen.",
        support_agreement="Begeleid wonen via de zorgpartner, een budgetcoach van de gemeente.",
        now=_at(opened),
    )
    decisions.open_voting(session, sanne, decision, now=_at(opened))
    for actor, position, why in (
        (sanne, "abstain", "Wij onthouden ons als eisende partij."),
        (marieke, "disagree", "Met begeleid wonen en een budgetcoach is er nog een kans."),
    ):
        decisions.cast_vote(
            session, actor, decision, position=position, motivation=why, now=_at(decided)
        )
    trajectory = decision.trajectory
    if trajectory is None or trajectory.status != "active":
        return None
    decisions.record_tenancy_agreement(
        session, sanne, decision, signed_on=decided + timedelta(days=3), note=None,
        now=_at(decided + timedelta(days=3)),
    )  # fmt: skip
    _consent(session, sanne, case)
    start = decided + timedelta(days=7)
    conditions = []
    for what, slug, _email, weeks in CONDITIONS:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        assert organisation is not None
        conditions.append(
            service.add_condition(
                session, sanne, trajectory, what=what, organisation_id=organisation.id,
                interval_weeks=weeks, first_review_on=start + timedelta(weeks=weeks),
                now=_at(start),
            )
        )  # fmt: skip
    _care, coach, rent = conditions
    # The rent: kept at the first review. The budget coach: an appointment missed, twice.
    service.record_review(
        session, reviewers["corporatie"], rent, result="kept",  # type: ignore[arg-type]
        note="Huur van de afgelopen maand op tijd betaald.",
        reviewed_on=rent.first_review_on, now=_at(rent.first_review_on),
    )  # fmt: skip
    service.record_review(
        session, reviewers["schuldhulp"], coach, result="breached",  # type: ignore[arg-type]
        note="Twee afspraken met de budgetcoach gemist zonder af te melden.",
        reviewed_on=coach.first_review_on, now=_at(coach.first_review_on),
    )  # fmt: skip
    return trajectory


def _consent(session: Session, sanne: Actor, case) -> None:
    """The tenant signed, with the new tenancy agreement, that the partners who follow her
    conditions may see her case for the trajectory (the covenant asks consent for it)."""
    covenant = active_covenant(session)
    purpose = covenant.decision("last_chance").purpose
    items = []
    for _what, slug, _email, _weeks in CONDITIONS:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None or organisation.id == case.organisation_id:
            continue
        for role in sorted(covenant.roles_of(slug)):
            package = covenant.purpose(purpose).sharing.get(role)
            if package:
                items.append(
                    {"role": role, "organisation_id": organisation.id, "categories": list(package)}
                )
    if not items:
        return
    consent.record_offline(
        session,
        sanne,
        case,
        person_id=case.persons[0].id,
        purpose=purpose,
        items=items,
        method="paper",
        language="nl",
        valid_days=365,
        evidence=consent.Evidence(
            b"%PDF-1.4 demo: getekend toestemmingsformulier", "application/pdf"
        ),
    )
