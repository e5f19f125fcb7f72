"""Demo data for early signalling (development only; called from ``portal.demo.load_demo``).

With the covenant's ``[signalling]`` section in force, the corporation's demo cases show every
state of the ready list, and two reported signals show both sides:

* three cases ready to report (a phone attempt, a reminder that pointed to debt help and
  offered to pass the data on, arrears above the threshold and 45 days old);
* one case held back: the letter pointed to debt help, but no written reminder went out;
* one case with an objection recorded by the caseworker;
* two cases reported through ``report_cases``, one of them as a crisis signal. The
  municipality picked up the ordinary one, tried twice (not reached in the morning, reached
  in the afternoon) and recorded "Vervolghulp en/of verwijzing financieel"; the crisis signal
  it closed as "Niet opgepakt: andere reden" with a reason of its own, which the corporation
  never sees (it reads "Niet opgepakt door de gemeente").

Everything goes through the services, so readiness, referrals, signal cases and audit are
recorded like real ones. Idempotent: nothing happens once any report or objection exists.
All names are fictional; every BSN passes the elfproef.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.earlysignal import service as municipality
from handover.earlysignal.models import EarlySignal
from handover.signalling import service
from handover.signalling.models import Objection, SignalReport
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases import groundwork
from portal.cases.models import Case
from portal.cases.service import PersonData, create_case
from portal.covenant.rules import active_covenant, active_version
from portal.db import utcnow
from portal.workdays import local_date

#: The municipality's own reason for not picking up the crisis signal (stays with it).
NOT_PICKED_UP_REASON = "Mevrouw woont sinds kort bij haar moeder in een andere gemeente."
OBJECTION_NOTE = "Meneer wil zelf contact opnemen met de gemeente."


@dataclass(frozen=True)
class DemoTenant:
    surname: str
    initials: str
    born: date
    bsn: str
    street: str
    number: str
    phone: str
    story: str  # ready, held_back, objected, reported, reported_crisis


TENANTS = (
    DemoTenant("Voorbeeld", "A.", date(1984, 3, 9), "298765408", "Esdoornlaan", "2",
               "06 10000001", "ready"),
    DemoTenant("Proefhuis", "B.", date(1971, 8, 21), "298765421", "Esdoornlaan", "4",
               "06 10000002", "ready"),
    DemoTenant("Testerman", "C.", date(1990, 12, 2), "298765433", "Esdoornlaan", "6",
               "06 10000003", "ready"),
    DemoTenant("Oefenaar", "D.", date(1966, 5, 17), "298765445", "Esdoornlaan", "8",
               "06 10000004", "held_back"),
    DemoTenant("Fictief", "E.", date(1979, 1, 30), "298765457", "Esdoornlaan", "10",
               "06 10000005", "objected"),
    DemoTenant("Demodorp", "F.", date(1995, 10, 11), "298765469", "Esdoornlaan", "12",
               "06 10000006", "reported"),
    DemoTenant("Nepstra", "G.", date(1987, 7, 4), "298765470", "Esdoornlaan", "14",
               "06 10000007", "reported_crisis"),
)  # fmt: skip

ARREARS_CENTS = 61_250
ARREARS_DAYS = 45


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def _case(session: Session, actor: Actor, corporation: Organisation, tenant: DemoTenant) -> Case:
    """A corporation case with its groundwork: every legal step met, except the reminder
    for the case that is held back."""
    today = local_date(utcnow())
    case = create_case(
        session,
        actor,
        corporation,
        [
            PersonData(
                surname=tenant.surname, initials=tenant.initials, birth_date=tenant.born,
                bsn=tenant.bsn, phone=tenant.phone, street=tenant.street,
                house_number=tenant.number, postcode="1234 EF", city="Demostad",
                is_main_tenant=True,
            )
        ],
        signal_kinds=("arrears",),
        arrears_cents=ARREARS_CENTS,
        arrears_months=2,
        arrears_since=today - timedelta(days=ARREARS_DAYS),
        signal_date=today - timedelta(days=40),
    )  # fmt: skip
    groundwork.add_contact_attempt(
        session,
        actor,
        case,
        groundwork.ContactAttemptData(
            today - timedelta(days=30), "phone", "not_reached", "Gebeld, geen gehoor."
        ),
    )
    held_back = tenant.story == "held_back"
    groundwork.add_letter(
        session,
        actor,
        case,
        groundwork.LetterData(
            today - timedelta(days=20),
            "other" if held_back else "reminder",
            points_to_help=True,
            data_offer=not held_back,
            note=None if held_back else "Herinnering met verwijzing naar schuldhulp.",
        ),
    )
    return case


def load(session: Session) -> list[Case]:
    """Create the early-signalling demo unless a report or objection exists (idempotent);
    answers the cases it made."""
    if active_version(session) is None or active_covenant(session).signalling is None:
        return []
    if (
        session.scalar(select(SignalReport.id).limit(1)) is not None
        or session.scalar(select(Objection.id).limit(1)) is not None
    ):
        return []
    sanne = _actor(session, "sanne@corporatie.example")
    ahmet = _actor(session, "ahmet@schuldhulp.example")
    corporation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
    if sanne is None or ahmet is None or corporation is None:
        return []
    cases: dict[str, list[Case]] = {tenant.story: [] for tenant in TENANTS}
    for tenant in TENANTS:
        cases[tenant.story].append(_case(session, sanne, corporation, tenant))
    session.flush()

    service.record_objection(session, sanne, cases["objected"][0], note=OBJECTION_NOTE)
    service.report_cases(session, sanne, [c.id for c in cases["reported"]])
    service.report_cases(session, sanne, [c.id for c in cases["reported_crisis"]], crisis=True)

    def signal_of(case: Case) -> EarlySignal:
        return session.scalars(
            select(EarlySignal).where(EarlySignal.case_id == case.id).order_by(EarlySignal.id)
        ).one()

    today = local_date(utcnow())
    picked = signal_of(cases["reported"][0])
    municipality.pick_up(session, ahmet, picked, version=None)
    municipality.record_attempt(
        session,
        ahmet,
        picked,
        municipality.AttemptData("phone", reached=False, attempted_on=today, day_part="morning"),
    )
    municipality.record_attempt(
        session,
        ahmet,
        picked,
        municipality.AttemptData(
            "house_visit", reached=True, attempted_on=today, day_part="afternoon"
        ),
    )
    municipality.record_outcome(session, ahmet, picked, "follow_up_financial", version=None)
    crisis = signal_of(cases["reported_crisis"][0])
    municipality.record_outcome(
        session, ahmet, crisis, "not_picked_up_other", NOT_PICKED_UP_REASON, version=None
    )
    session.flush()
    return [case for story in cases.values() for case in story]
