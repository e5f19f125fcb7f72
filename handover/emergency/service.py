"""Emergency access: open, end, expire and review, as the covenant allows.

When someone is in danger and no referral exists, a partner playing a role of the covenant's
emergency purpose (``Purpose.emergency_hours``, in the demo the crisis team) finds the case
by BSN or address and opens it with a stated reason. What it may see is that purpose's
package for its role, on that purpose's legal basis (the vital interest); for the covenant's
number of hours, checked at every read (``portal.grants.in_force``). The owner's caseworkers
and its privacy officers (portal role ``auditor``) are told at once, by e-mail with the case
reference only; every look under the access is audited as emergency access, and the owner's
privacy officer closes each use as justified or not (first verdict wins).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from handover.emergency.models import REASONS, VERDICTS, EmergencyAccess
from portal.accounts.models import Organisation
from portal.accounts.roles import AUDITOR_ROLES, CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.service import find_cases_anywhere
from portal.covenant.rules import Purpose, active_covenant
from portal.db import changed_rows, lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.grants import Grant, grants_of, set_grants
from portal.links import external_url
from portal.outbox.notices import notify_casework

MOTIVATION_MIN = 20


def emergency_role(session: Session, actor: Actor) -> tuple[Purpose, str] | None:
    """The covenant's emergency purpose and the role in which the actor's organisation may
    use it; None when it may not (no such purpose, or it plays none of its roles)."""
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        return None
    covenant = active_covenant(session)
    purpose = covenant.emergency_purpose()
    organisation = session.get(Organisation, actor.organisation_id)
    if purpose is None or organisation is None:
        return None
    role = next(
        (r for r in sorted(covenant.roles_of(organisation.slug)) if r in purpose.sharing), None
    )
    return (purpose, role) if role else None


def open_access(
    session: Session,
    actor: Actor,
    *,
    by: str,
    values: tuple[str, ...],
    reason: str,
    motivation: str,
    now: datetime | None = None,
) -> list[EmergencyAccess]:
    """Open every case of the household found by BSN (``by="bsn"``) or address that the
    actor's organisation cannot see yet; the new accesses (the caller commits)."""
    allowed = emergency_role(session, actor)
    if allowed is None:
        raise Forbidden(_l("Uw organisatie heeft geen noodtoegang volgens het convenant."))
    purpose, role = allowed
    if reason not in REASONS:
        raise DomainError(_l("Kies waarom iemand in gevaar is."), field="reason")
    motivation = motivation.strip()
    if len(motivation) < MOTIVATION_MIN:
        raise DomainError(
            _l("Beschrijf in minstens %(n)s tekens wat er aan de hand is.", n=MOTIVATION_MIN),
            field="motivation",
        )
    assert actor.organisation_id is not None and actor.user_id is not None  # emergency_role
    covenant = active_covenant(session)
    found = [
        case
        for case in find_cases_anywhere(session, actor, by, *values)
        if case.organisation_id != actor.organisation_id and _may_be_known(session, covenant, case)
    ]
    if not found:
        raise DomainError(
            _l("Geen casus gevonden bij een andere partner. Controleer wat u invulde."), field=by
        )
    fresh = [c for c in found if not grants_of(session, c.id, actor.organisation_id)]
    if not fresh:
        raise Conflict(_l("Uw organisatie kan deze casus al inzien: open hem via Casussen."))
    now = now or utcnow()
    until = now + timedelta(hours=purpose.emergency_hours)
    opened = []
    for case in fresh:
        access = EmergencyAccess(
            case=case,
            owner_org_id=case.organisation_id,
            organisation_id=actor.organisation_id,
            user_id=actor.user_id,
            purpose=purpose.code,
            role=role,
            categories=",".join(sorted(purpose.sharing[role])),
            reason=reason,
            motivation=motivation,
            opened_at=now,
            expires_at=until,
        )
        session.add(access)
        session.flush()
        set_grants(session, case.id, access.source, [_grant(access)])
        record(
            session,
            _acting(actor, access),
            "emergency.open",
            case_id=case.id,
            detail={"access": access.id, "reason": reason, "hours": purpose.emergency_hours},
        )
        _tell_owner(session, actor, access, case)
        opened.append(access)
    return opened


def _may_be_known(session: Session, covenant: Any, case: Case) -> bool:
    """A partner whose involvement itself says too much (a care provider's: the covenant's
    ``involvement_visible = false``) is not opened, nor shown to hold a case."""
    owner = session.get_one(Organisation, case.organisation_id)
    return any(covenant.involvement_visible(role) for role in covenant.roles_of(owner.slug))


def _grant(access: EmergencyAccess) -> Grant:
    return Grant(
        organisation_id=access.organisation_id,
        recipient_role=access.role,
        purpose=access.purpose,
        categories=frozenset(access.categories.split(",")),
        source=access.source,
        expires_at=access.expires_at,
    )


def _acting(actor: Actor, access: EmergencyAccess) -> Actor:
    """What is done under the access is recorded as emergency access, like every look."""
    return replace(actor, on_behalf_of=access.source)


def _tell_owner(session: Session, actor: Actor, access: EmergencyAccess, case: Case) -> None:
    """The owner's caseworkers and privacy officers, at once: what, which case, until when."""
    opener = session.get_one(Organisation, access.organisation_id)
    with force_locale("nl"):
        lines = [
            _(
                "%(org)s heeft noodtoegang geopend tot casus %(ref)s.",
                org=opener.name,
                ref=case.reference,
            ),
            _("De toegang eindigt vanzelf na %(n)s uur.", n=_hours(access)),
            _("Uw privacyfunctionaris toetst of de toegang terecht was."),
        ]
        subject = _("noodtoegang tot casus %(ref)s", ref=case.reference)
    link = external_url("emergency.review", access_id=access.id)
    notify_casework(
        session,
        [access.owner_org_id],
        subject=subject,
        lines=lines,
        link=link,
        kind="emergency.opened",
        roles=CASEWORK_ROLES | AUDITOR_ROLES,
    )


def _hours(access: EmergencyAccess) -> int:
    return round((access.expires_at - access.opened_at).total_seconds() / 3600)


def end_access(session: Session, actor: Actor, access: EmergencyAccess) -> EmergencyAccess:
    """The organisation that opened it closes it early (the danger is over)."""
    if actor.kind != "staff" or actor.organisation_id != access.organisation_id:
        raise Forbidden()
    if not _end(session, access, utcnow()):
        raise Conflict(_l("Deze noodtoegang is al beëindigd."))
    record(
        session,
        _acting(actor, access),
        "emergency.end",
        case_id=access.case_id,
        detail={"access": access.id},
    )
    return access


def _end(session: Session, access: EmergencyAccess, at: datetime) -> bool:
    """End it once (a guarded update: two at once give one end) and remove its grant."""
    ended = changed_rows(
        session,
        update(EmergencyAccess)
        .where(EmergencyAccess.id == access.id, EmergencyAccess.ended_at.is_(None))
        .values(ended_at=at),
    )
    if ended:
        session.refresh(access)
        set_grants(session, access.case_id, access.source, [])
    return bool(ended)


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Record the end of every access past its time (reads refused it already)."""
    now = now or utcnow()
    due = session.scalars(
        select(EmergencyAccess)
        .where(EmergencyAccess.ended_at.is_(None), EmergencyAccess.expires_at <= now)
        .order_by(EmergencyAccess.id)
    ).all()
    system = Actor.system("job:emergency expire")
    ended = 0
    for access in due:
        if _end(session, access, access.expires_at):
            record(
                session,
                system,
                "emergency.expire",
                case_id=access.case_id,
                detail={"access": access.id},
            )
            ended += 1
    return ended


def review(
    session: Session, actor: Actor, access: EmergencyAccess, *, verdict: str, note: str
) -> EmergencyAccess:
    """The owner's privacy officer closes the use as justified or not (the first verdict
    stands; a second one is refused, not overwritten)."""
    if not may_review(actor, access):
        raise Forbidden()
    if verdict not in VERDICTS:
        raise DomainError(_l("Kies uw oordeel."), field="verdict")
    access = lock_row(session, access)
    if access.reviewed_at is not None:
        raise Conflict(_l("Deze noodtoegang is al getoetst."))
    access.verdict = verdict
    access.review_note = note.strip() or None
    access.reviewed_at = utcnow()
    access.reviewed_by = actor.user_id
    session.flush()
    record(
        session,
        actor,
        "emergency.review",
        case_id=access.case_id,
        detail={"access": access.id, "verdict": verdict},
    )
    return access


def may_review(actor: Actor, access: EmergencyAccess) -> bool:
    return (
        actor.kind == "staff"
        and actor.organisation_id == access.owner_org_id
        and bool(actor.roles & AUDITOR_ROLES)
    )


def load(session: Session, actor: Actor, access_id: int) -> EmergencyAccess:
    """One access, for the organisation that opened it; to anyone else it does not exist."""
    access = session.get(EmergencyAccess, access_id)
    if access is None or actor.organisation_id != access.organisation_id:
        raise NotFound()
    return access


def load_for_review(session: Session, actor: Actor, access_id: int) -> EmergencyAccess:
    """One access, for the owner's privacy officer only (the review page)."""
    access = session.get(EmergencyAccess, access_id)
    if access is None or not may_review(actor, access):
        raise NotFound()
    return access


def running_on(session: Session, actor: Actor, case: Case) -> EmergencyAccess | None:
    """The actor's organisation's running access to the case, if any."""
    return session.scalars(
        select(EmergencyAccess).where(
            EmergencyAccess.case_id == case.id,
            EmergencyAccess.organisation_id == actor.organisation_id,
            EmergencyAccess.ended_at.is_(None),
            EmergencyAccess.expires_at > utcnow(),
        )
    ).first()


def opened_by(session: Session, actor: Actor) -> list[EmergencyAccess]:
    """The organisation's own uses, newest first."""
    return list(
        session.scalars(
            select(EmergencyAccess)
            .where(EmergencyAccess.organisation_id == actor.organisation_id)
            .order_by(EmergencyAccess.opened_at.desc(), EmergencyAccess.id.desc())
            .limit(100)
        )
    )


def to_review(session: Session, actor: Actor) -> list[EmergencyAccess]:
    """Uses of emergency access on the organisation's cases: not yet reviewed first."""
    return list(
        session.scalars(
            select(EmergencyAccess)
            .where(EmergencyAccess.owner_org_id == actor.organisation_id)
            .order_by(
                EmergencyAccess.reviewed_at.is_not(None),
                EmergencyAccess.opened_at.desc(),
                EmergencyAccess.id.desc(),
            )
            .limit(200)
        )
    )


def looks(session: Session, access: EmergencyAccess) -> list[AuditEvent]:
    """Everything done under the access, oldest first: what the privacy officer reviews."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.on_behalf_of == access.source)
            .order_by(AuditEvent.id)
        )
    )


def unreviewed_count(session: Session, actor: Actor) -> int:
    return (
        session.scalar(
            select(func.count(EmergencyAccess.id)).where(
                EmergencyAccess.owner_org_id == actor.organisation_id,
                EmergencyAccess.reviewed_at.is_(None),
            )
        )
        or 0
    )


def expected_grants(session: Session) -> Iterator[tuple[int, Grant]]:
    """The grants the running accesses give (``flask grants check`` compares)."""
    running = select(EmergencyAccess).where(EmergencyAccess.ended_at.is_(None))
    for access in session.scalars(running.order_by(EmergencyAccess.id)):
        yield access.case_id, _grant(access)
