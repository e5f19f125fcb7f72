"""Legal representatives: a bewindvoerder, mentor or curator who acts for a tenant.

The owning organisation records the mandate from the court decision: who, for whom, since
when and the evidence (the decision's reference). From then on the representative signs in
as themself, with a code to their own phone or e-mail address and the birth date of the
person they act for (``consent.service.identity``), and every action they take carries
``mandate:<id>`` (``Actor.on_behalf_of``): in the audit log, on her messages and corrections,
on a consent they give. Ending the mandate stops the sign-in at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import MANDATES, Case, Person, TenantMandate
from portal.cases.service import clean_contact
from portal.db import changed_rows, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.workdays import local_today

NAME_MAX = 200
EVIDENCE_MAX = 120


@dataclass(frozen=True, repr=False)
class MandateData:
    """A mandate as the owner enters it. Holds plaintext: no repr."""

    person_id: int
    kind: str
    name: str
    since: date | None
    evidence: str
    phone: str | None = None
    email: str | None = None

    def __repr__(self) -> str:
        return "<MandateData>"


def mandate_of(actor: Actor) -> int | None:
    """The mandate a legal representative acts under (``mandate:<id>``), else ``None``."""
    prefix, _sep, number = (actor.on_behalf_of or "").partition(":")
    return int(number) if prefix == "mandate" and number.isdigit() else None


def _owner(actor: Actor, case: Case) -> None:
    if actor.kind != "staff" or actor.organisation_id != case.organisation_id:
        raise Forbidden(str(_l("Alleen de organisatie van deze casus kan dit vastleggen.")))


def _clean(data: MandateData) -> dict[str, object]:
    name = " ".join((data.name or "").split())
    if not name:
        raise DomainError(str(_l("Vul de naam van de vertegenwoordiger in.")), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(str(_l("Dit is te lang.")), field="name")
    if data.kind not in MANDATES:
        raise DomainError(str(_l("Kies het soort vertegenwoordiging.")), field="kind")
    if data.since is None or data.since > local_today():
        raise DomainError(str(_l("Vul de datum van de uitspraak in.")), field="since")
    evidence = " ".join((data.evidence or "").split())
    if not evidence:
        raise DomainError(
            str(_l("Vul het kenmerk van de uitspraak van de rechter in.")), field="evidence"
        )
    if len(evidence) > EVIDENCE_MAX:
        raise DomainError(str(_l("Dit is te lang.")), field="evidence")
    phone = clean_contact("phone", data.phone)
    email = clean_contact("email", data.email)
    if phone is None and email is None:
        raise DomainError(
            str(
                _l(
                    "Vul een mobiel nummer of e-mailadres van de vertegenwoordiger in: "
                    "daar gaat de code om in te loggen naartoe."
                )
            ),
            field="phone",
        )
    return {
        "kind": data.kind,
        "name": name,
        "since": data.since,
        "evidence": evidence,
        "phone": phone,
        "email": email,
    }


def record_mandate(session: Session, actor: Actor, case: Case, data: MandateData) -> TenantMandate:
    """The owner records a representative for an adult member of the household."""
    _owner(actor, case)
    person = session.get(Person, data.person_id)
    if person is None or person.case_id != case.id:
        raise NotFound()
    values = _clean(data)
    mandate = TenantMandate(
        case=case,
        person_id=person.id,
        organisation_id=case.organisation_id,
        recorded_by_id=actor.user_id,
        created_at=utcnow(),
        **values,
    )
    session.add(mandate)
    session.flush()
    record(
        session,
        actor,
        "mandate.record",
        case_id=case.id,
        person_id=person.id,
        categories=["identity", "contact"],
        detail={"mandate": mandate.id},
    )
    return mandate


def end_mandate(
    session: Session, actor: Actor, mandate: TenantMandate, *, now: datetime | None = None
) -> TenantMandate:
    """The mandate ends (the court ended it, or it was recorded in error): from now on the
    representative can no longer sign in for her. Ending twice is refused."""
    _owner(actor, mandate.case)
    now = now or utcnow()
    done = changed_rows(
        session,
        update(TenantMandate)
        .where(TenantMandate.id == mandate.id, TenantMandate.ended_at.is_(None))
        .values(ended_at=now, ended_by_id=actor.user_id)
        .execution_options(synchronize_session=False),
    )
    if not done:
        raise Conflict(str(_l("Deze vertegenwoordiging is al beëindigd.")))
    session.refresh(mandate)
    record(
        session,
        actor,
        "mandate.end",
        case_id=mandate.case_id,
        person_id=mandate.person_id,
        detail={"mandate": mandate.id},
    )
    return mandate


def mandates_of(session: Session, case: Case) -> list[TenantMandate]:
    return list(
        session.scalars(
            select(TenantMandate).where(TenantMandate.case_id == case.id).order_by(TenantMandate.id)
        )
    )


def live_mandate(session: Session, mandate_id: int | None, person_id: int) -> TenantMandate | None:
    """The mandate a representative's session runs under, if it still holds for her."""
    if mandate_id is None:
        return None
    mandate = session.get(TenantMandate, mandate_id)
    if mandate is None or mandate.person_id != person_id or not mandate.active:
        return None
    return mandate


def mandates_by_contact(session: Session, index_field: str, digest: str) -> list[TenantMandate]:
    """Live mandates whose representative has this phone number or e-mail address."""
    column = TenantMandate.sms_digest if index_field == "phone" else TenantMandate.mail_digest
    return list(
        session.scalars(
            select(TenantMandate).where(column == digest, TenantMandate.ended_at.is_(None))
        )
    )
