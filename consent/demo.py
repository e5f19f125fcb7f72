"""Demo consent (development only): a pending request for the demo household, so a newcomer
can play the tenant.

``portal.demo.load_demo`` calls ``load_demo_consent`` last. It works whether or not a demo
case exists: without an open case of the demo corporation it does nothing. With one, it asks
the main tenant's consent for debt help (as Scenario A: the debt coach may receive the
household, the contact history and the life map) by SMS, and returns a fresh link each run
(the previous link stops working). The code the tenant needs arrives through the SMS backend
(``instance/sms`` in development).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import service
from consent.models import ConsentRecord, ConsentRequest
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases.models import Case
from portal.covenant.rules import NoActiveCovenant, active_covenant
from portal.errors import DomainError
from portal.links import external_url
from portal.sharing import reveal

OWNER = "corporatie"
CASEWORKER = "sanne@corporatie.example"
PURPOSE = "debt_help"
RECIPIENT = ("schuldhulp", "debt_coach")


@dataclass
class DemoConsent:
    case_id: int
    case_reference: str
    link: str | None
    channel: str | None
    answered: bool
    #: The fictional demo tenant's birth date, which the identity check asks for.
    birth_date: date | None = None


def _demo_case(session: Session) -> Case | None:
    return session.scalar(
        select(Case)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .where(Organisation.slug == OWNER, Case.status != "closed")
        .order_by(Case.id)
    )


def load_demo_consent(session: Session) -> DemoConsent | None:
    case = _demo_case(session)
    caseworker = session.scalar(select(User).where(User.email == CASEWORKER))
    recipient = session.scalar(select(Organisation).where(Organisation.slug == RECIPIENT[0]))
    if case is None or caseworker is None or recipient is None:
        return None
    try:
        covenant = active_covenant(session)
    except NoActiveCovenant:
        return None
    categories = service.consent_categories(covenant, PURPOSE, RECIPIENT[1])
    if not categories:
        return None
    actor = staff_actor(caseworker, label="demo")

    def link_for(token: str) -> str:
        return external_url("consent_tenant.open_link", token=token)

    pending = session.scalar(
        select(ConsentRequest)
        .where(ConsentRequest.case_id == case.id, ConsentRequest.status == "pending")
        .order_by(ConsentRequest.id.desc())
    )
    answered = (
        session.scalar(select(ConsentRecord.id).where(ConsentRecord.case_id == case.id)) is not None
    )
    if pending is None and (
        answered
        or session.scalar(select(ConsentRequest.id).where(ConsentRequest.case_id == case.id))
    ):
        return DemoConsent(case.id, case.reference, None, None, True)
    try:
        if pending is None:
            _request, channel, token = service.ask_missing(
                session,
                actor,
                case,
                purpose=PURPOSE,
                role=RECIPIENT[1],
                organisation_id=recipient.id,
                categories=categories,
                link_for=link_for,
            )
        else:
            channel = pending.channels[0]
            token = service.send_again(session, actor, pending, channel, link_for=link_for)
    except DomainError:
        return None
    if channel == "letter":
        return None
    person = service.first_adult(case)
    shown = reveal(session, Actor.system("demo"), case, {person: ["birth_date"]})
    birth = shown.get(person, "birth_date")
    return DemoConsent(
        case.id,
        case.reference,
        link_for(token),
        channel,
        False,
        birth if isinstance(birth, date) else None,
    )
