"""The demo's case meetings: the Kramer household's nuisance case (``handover.nuisance.demo``)
was discussed three days ago with Meneer Kramer at the table, the social district team and
the police invited, and a school's mentor as a guest who signed the confidentiality statement
first; minutes and three agreements (open tasks in Mijn werk). The next meeting, in four
weeks, has the case on its agenda again. Seeded through the services."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.meetings import minutes, service
from handover.meetings.models import CaseMeeting
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases.models import Case
from portal.workdays import local_today

HOST = "sanne@corporatie.example"
PLACE = "Wijkcentrum De Linde, zaal 2"
TOPIC = (
    "We praten over de klachten van de buren over lawaai. We kijken samen wat u helpt om "
    "rustig te wonen. Het wijkteam en de wijkagent zijn erbij."
)
MINUTES = (
    "Meneer Kramer was erbij. Hij vertelt dat hij slecht slaapt sinds de scheiding en 's "
    "nachts muziek draait om niet te piekeren. Hij wil graag hulp. De mentor van zijn zoon "
    "ziet dat de zoon moe op school komt. Afgesproken: het wijkteam start begeleiding, de "
    "wijkagent gaat in gesprek met de bovenbuurvrouw, de corporatie plant een "
    "buurtbemiddelingsgesprek."
)
AGREEMENTS = (
    ("wijkteam", 14, "Kennismaking en start van begeleiding thuis; aandacht voor slapen en "
     "dagritme."),
    ("politie", 7, "Gesprek met de bovenbuurvrouw over de meldingen en wat zij mag verwachten."),
    ("corporatie", 21, "Buurtbemiddeling aanvragen voor meneer Kramer en de bovenburen."),
)  # fmt: skip


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def _at(days: int, hour: int) -> datetime:
    """A meeting time in the demo's past or future (UTC, on a whole hour)."""
    return datetime.combine(local_today() + timedelta(days=days), time(hour), tzinfo=UTC)


def load(session: Session, case: Case | None) -> CaseMeeting | None:
    """The held meeting and the next one, unless any meeting exists (idempotent)."""
    if case is None or session.scalar(select(CaseMeeting.id).limit(1)) is not None:
        return None
    sanne = _actor(session, HOST)
    if sanne is None:
        return None
    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    tenant = Actor(kind="tenant", person_id=case.persons[0].id, label="demo")
    held = service.plan(session, sanne, starts_at=_at(-3, 9), place=PLACE)
    item = service.add_case(session, sanne, held, case)
    for slug in ("wijkteam", "politie"):
        service.invite(session, sanne, item, orgs[slug].id)
    service.invite_tenant(session, sanne, item, TOPIC)
    minutes.answer(session, tenant, item, "coming", now=held.starts_at - timedelta(days=2))
    guest = minutes.add_guest(session, sanne, held, name="J. de Wit",
                              organisation="OBS De Regenboog (mentor)")  # fmt: skip
    minutes.sign(session, sanne, guest, agreed=True)
    minutes.record_minutes(session, sanne, item, MINUTES)
    for slug, days, text in AGREEMENTS:
        minutes.add_agreement(session, sanne, item, text=text, organisation_id=orgs[slug].id,
                              due_on=local_today() + timedelta(days=days))  # fmt: skip
    upcoming = service.plan(session, sanne, starts_at=_at(25, 13), place=PLACE)
    following = service.add_case(session, sanne, upcoming, case)
    for slug in ("wijkteam", "politie"):
        service.invite(session, sanne, following, orgs[slug].id)
    service.invite_tenant(
        session, sanne, following,
        "We kijken samen hoe het nu gaat met wonen en slapen, en of de afspraken helpen.",
    )  # fmt: skip
    return held
