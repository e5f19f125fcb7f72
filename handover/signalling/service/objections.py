"""The tenant's objections to being reported (bezwaar), recorded by a caseworker of the
landlord or by the tenant herself online. Not consent: the signal rests on a legal duty, and
an objection simply holds it back until it is withdrawn.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handover.signalling.models import Objection
from handover.signalling.service.readiness import refresh
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, NotFound

NOTE_MAX = 500


def _source(actor: Actor, case: Case) -> str:
    """Who may record: a caseworker of the case's owner, or the main tenant herself."""
    if (
        actor.kind == "staff"
        and actor.organisation_id == case.organisation_id
        and actor.roles & CASEWORK_ROLES
    ):
        return "caseworker"
    if actor.kind == "tenant" and any(
        p.id == actor.person_id and p.is_main_tenant for p in case.persons
    ):
        return "tenant"
    raise NotFound()


def _note(note: str | None) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise DomainError(_l("Controleer wat u invulde."), field="note")
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise DomainError(_l("Dit is te lang: hoogstens %(n)s tekens.", n=NOTE_MAX), field="note")
    return text or None


def active_objection(session: Session, case: Case) -> Objection | None:
    return session.scalar(
        select(Objection).where(Objection.case_id == case.id, Objection.withdrawn_at.is_(None))
    )


def objections_of(session: Session, case: Case) -> list[Objection]:
    return list(
        session.scalars(
            select(Objection).where(Objection.case_id == case.id).order_by(Objection.id.desc())
        )
    )


def record_objection(
    session: Session, actor: Actor, case: Case, *, note: str | None = None
) -> Objection:
    """Record that the tenant objects; the case is held back from reporting from now on.

    One active objection per case (a partial unique index): when two are recorded at once,
    one wins and the other is told it is already there.
    """
    source = _source(actor, case)
    if not case.is_active:
        raise DomainError(_l("Deze casus is gesloten."))
    cleaned = _note(note)
    if active_objection(session, case) is not None:
        raise Conflict(_l("Er is al bezwaar gemaakt."))
    objection = Objection(
        case=case,
        case_id=case.id,
        organisation_id=case.organisation_id,
        source=source,
        recorded_by_id=actor.user_id,
        recorded_at=utcnow(),
    )
    if cleaned:
        objection.note = cleaned
    try:
        with session.begin_nested():
            session.add(objection)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("Er is al bezwaar gemaakt.")) from exc
    record(
        session,
        actor,
        "signalling.objection",
        case_id=case.id,
        person_id=actor.person_id,
        categories=["contact_history"] if cleaned else [],
        detail={"objection": objection.id, "source": source},
    )
    refresh(session, [case.id])
    return objection


def withdraw_objection(session: Session, actor: Actor, objection: Objection) -> Objection:
    """Withdraw an objection (the tenant changed her mind, or it was recorded by mistake)."""
    case = objection.case
    source = _source(actor, case)
    locked = lock_row(session, objection)
    if locked.withdrawn_at is not None:
        raise Conflict(_l("Dit bezwaar is al ingetrokken."))
    locked.withdrawn_at = utcnow()
    locked.withdrawn_source = source
    locked.withdrawn_by_id = actor.user_id
    session.flush()
    record(
        session,
        actor,
        "signalling.objection_withdrawn",
        case_id=case.id,
        person_id=actor.person_id,
        detail={"objection": locked.id, "source": source},
    )
    refresh(session, [case.id])
    return locked
