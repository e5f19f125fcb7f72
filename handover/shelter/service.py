"""The shelter hand-over: started by an approved eviction, ticked off by the shelter point.

* ``start`` (an ``on_assignment_issued`` hook of the decisions): when the covenant names a
  shelter purpose for the decision's kind (``shelter_handover``), the portal refers the case
  in its owner's name to that purpose's first rung (the shelter point) through the referral
  machinery, so it lands in the shelter point's inbox with its package (identity, contact,
  household on the purpose's statutory basis), and lists what must be done before the
  eviction date: shelter arranged, and with minors the children's school and care informed.
* ``tick``: the organisation responsible for an item ticks it, once, with who and when (and
  where and from when, for the shelter itself: its own note). The last one makes the
  hand-over ready, and the owner is told.
* ``bailiff_hold``: what the decision page and its service ask before the corporation may
  record the bailiff's assignment. With minors and the covenant's
  ``shelter_before_bailiff_if_minors`` it blocks until the hand-over is ready; otherwise it
  only advises.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.decisions.models import Assignment, Decision, DecisionTimelineEntry
from handover.decisions.policy import BailiffHold
from handover.decisions.service import covenant_for
from handover.models import ACTIVE, Referral
from handover.shelter.labels import ITEM_LABELS
from handover.shelter.models import ITEMS, MINOR_ITEMS, ShelterHandover, ShelterItem
from portal.accounts.models import Organisation
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.service import is_minor
from portal.covenant.rules import active_covenant
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.links import external_url
from portal.outbox.notices import notify_casework

NOTE_MIN = 3
NOTE_MAX = 2000


def _label(decision: Decision) -> str:
    return f"decision:{decision.id}"


def planned_eviction(session: Session, case_id: int) -> date | None:
    """The eviction date on the case's timeline: the bailiff's date written last."""
    return session.scalar(
        select(DecisionTimelineEntry.happens_on)
        .where(DecisionTimelineEntry.case_id == case_id, DecisionTimelineEntry.kind == "bailiff")
        .order_by(DecisionTimelineEntry.id.desc())
        .limit(1)
    )


def of_decision(session: Session, decision_id: int) -> ShelterHandover | None:
    return session.scalar(select(ShelterHandover).where(ShelterHandover.decision_id == decision_id))


def start(
    session: Session, decision: Decision, assignment: Assignment, now: datetime
) -> ShelterHandover | None:
    """Refer the household to the shelter point and list what must be done before the date;
    None when the covenant names no shelter purpose for this kind, or no partner for it."""
    purpose = covenant_for(session, decision).decision(decision.kind).shelter_handover
    if not purpose or of_decision(session, decision.id) is not None:
        return None
    covenant = active_covenant(session)
    ladder = covenant.ladder(purpose) if purpose in covenant.purposes else ()
    slugs = covenant.partners_with_role(ladder[0].role) if ladder else ()
    shelter = session.scalar(
        select(Organisation).where(Organisation.slug.in_(slugs)).order_by(Organisation.name)
    )
    system = Actor.system(_label(decision))
    case = decision.case
    if shelter is None:
        record(session, system, "shelter.no_partner", case_id=case.id, detail={"purpose": purpose})
        return None
    minors = sum(1 for person in case.persons if is_minor(person))
    eviction_on = planned_eviction(session, case.id)
    referral = _refer(session, decision, purpose, shelter.id, len(case.persons), minors, now)
    handover = ShelterHandover(
        case=case,
        decision_id=decision.id,
        referral_id=referral.id,
        purpose=purpose,
        organisation_id=shelter.id,
        owner_org_id=case.organisation_id,
        household_size=len(case.persons),
        minors=minors,
        eviction_on=eviction_on,
        created_at=now,
    )
    applies = [i for i in ITEMS if minors or i not in MINOR_ITEMS]
    handover.items = [
        ShelterItem(case=case, item=code, position=n, organisation_id=shelter.id)
        for n, code in enumerate(applies)
    ]
    session.add(handover)
    session.flush()
    record(
        session,
        system,
        "shelter.started",
        case_id=case.id,
        detail={"handover": handover.id, "referral": referral.id, "minors": minors},
    )
    return handover


def _refer(
    session: Session,
    decision: Decision,
    purpose: str,
    shelter_id: int,
    size: int,
    minors: int,
    now: datetime,
) -> Referral:
    """The referral that carries the package; an active one to the same point is reused."""
    eviction_on = planned_eviction(session, decision.case_id)
    with force_locale("nl"):
        when = (
            _("Geplande ontruiming: %(date)s.", date=eviction_on.strftime("%d-%m-%Y"))
            if eviction_on
            else _("De datum van de ontruiming is nog niet bekend.")
        )
        note = " ".join(
            (
                _("Ontruiming besloten: bereid de opvang voor."),
                _("Huishouden van %(n)s, van wie %(m)s minderjarig.", n=size, m=minors),
                when,
            )
        )
    try:
        return referrals.send_on_behalf(
            session,
            decision.case,
            purpose=purpose,
            recipient_org_id=shelter_id,
            note=note,
            label=_label(decision),
            now=now,
        )
    except Conflict:
        found = session.scalar(
            select(Referral).where(
                Referral.case_id == decision.case_id,
                Referral.purpose == purpose,
                Referral.recipient_org_id == shelter_id,
                Referral.status.in_(ACTIVE),
            )
        )
        assert found is not None  # the conflict was this very referral
        return found


# --- who may see and do what ----------------------------------------------------------------


def _staff(actor: Actor) -> bool:
    return actor.kind == "staff" and bool(actor.roles & CASEWORK_ROLES)


def visible_to(actor: Actor, handover: ShelterHandover) -> bool:
    """The shelter point and the case's owner; to anyone else it does not exist."""
    return _staff(actor) and actor.organisation_id in (
        handover.organisation_id,
        handover.owner_org_id,
    )


def load(session: Session, actor: Actor, handover_id: int) -> ShelterHandover:
    handover = session.get(ShelterHandover, handover_id)
    if handover is None or not visible_to(actor, handover):
        raise NotFound()
    return handover


def referral_active(session: Session, handover: ShelterHandover) -> bool:
    referral = session.get(Referral, handover.referral_id) if handover.referral_id else None
    return referral is not None and referral.status in ACTIVE


def may_tick(session: Session, actor: Actor, item: ShelterItem) -> bool:
    return (
        _staff(actor)
        and actor.organisation_id == item.organisation_id
        and item.done_at is None
        and referral_active(session, item.handover)
    )


def tick(
    session: Session,
    actor: Actor,
    handover: ShelterHandover,
    code: str,
    *,
    note: str | None,
    now: datetime | None = None,
) -> ShelterItem:
    """The responsible organisation ticks one item, once; the last makes the hand-over
    ready and tells the owner."""
    if not visible_to(actor, handover):
        raise NotFound()
    item = next((i for i in handover.items if i.item == code), None)
    if item is None:
        raise NotFound()
    if actor.organisation_id != item.organisation_id:
        raise Forbidden(_l("Dit punt is van een andere organisatie."))
    text = " ".join((note or "").split())
    if code == "shelter_arranged" and len(text) < NOTE_MIN:
        raise DomainError(_l("Schrijf waar het gezin terechtkan en vanaf wanneer."), field="note")
    if len(text) > NOTE_MAX:
        raise DomainError(_l("De tekst is te lang (maximaal %(n)s tekens).", n=NOTE_MAX))
    now = now or utcnow()
    handover = lock_row(session, handover)
    session.refresh(item)
    if item.done_at is not None:
        raise Conflict(_l("Dit punt is al afgevinkt."))
    if not referral_active(session, handover):
        raise Conflict(_l("De overdracht aan het meldpunt loopt niet meer."))
    item.done_at = now
    item.done_by_id = actor.user_id
    if text:
        item.note = text
    session.flush()
    record(
        session,
        actor,
        "shelter.item_done",
        case_id=handover.case_id,
        categories=["shelter"] if text else [],
        detail={"handover": handover.id, "item": code},
    )
    session.refresh(handover)
    if not handover.open_items() and handover.ready_at is None:
        handover.ready_at = now
        session.flush()
        record(
            session,
            actor,
            "shelter.ready",
            case_id=handover.case_id,
            detail={"handover": handover.id},
        )
        _tell_owner(session, handover)
    return item


def _tell_owner(session: Session, handover: ShelterHandover) -> None:
    reference = handover.case.reference
    with force_locale("nl"):
        subject = _("Opvang voorbereid (%(ref)s)", ref=reference)
        lines = [
            _("Het meldpunt opvang heeft alles afgevinkt voor casus %(ref)s.", ref=reference),
            _("U kunt de opdracht aan de deurwaarder nu vastleggen."),
        ]
    notify_casework(
        session,
        [handover.owner_org_id],
        subject=subject,
        lines=lines,
        link=external_url("shelter.detail", handover_id=handover.id),
        kind="shelter.ready",
    )


# --- the bailiff waits ----------------------------------------------------------------------


def bailiff_hold(session: Session, decision: Decision) -> BailiffHold | None:
    """Why the bailiff should wait for the shelter hand-over, if it should: blocking with
    minors when the covenant says so, else advice."""
    handover = of_decision(session, decision.id)
    if handover is None or handover.ready:
        return None
    missing = tuple(str(ITEM_LABELS[i.item]) for i in handover.open_items())
    rule = covenant_for(session, decision).decision(decision.kind)
    blocking = decision.minors_present and rule.shelter_before_bailiff_if_minors
    listed = ", ".join(missing).lower()
    if blocking:
        message = _l(
            "Er wonen minderjarigen in dit huishouden. Volgens het convenant kan de opdracht aan "
            "de deurwaarder pas als de opvang is voorbereid. Nog niet gedaan: %(missing)s.",
            missing=listed,
        )
    else:
        message = _l(
            "Het convenant raadt aan eerst de opvang voor te bereiden. Nog niet gedaan: "
            "%(missing)s.",
            missing=listed,
        )
    return BailiffHold(
        str(message),
        missing,
        blocking,
        url_for("shelter.detail", handover_id=handover.id) if has_request_context() else None,
        str(_l("Naar de opvang na ontruiming")),
    )


# --- lists ----------------------------------------------------------------------------------


def to_prepare(session: Session, actor: Actor, *, limit: int = 200) -> list[ShelterHandover]:
    """The shelter point's hand-overs that are not ready yet, oldest first."""
    return list(
        session.scalars(
            select(ShelterHandover)
            .where(
                ShelterHandover.organisation_id == actor.organisation_id,
                ShelterHandover.ready_at.is_(None),
            )
            .order_by(ShelterHandover.id)
            .limit(limit)
        )
    )


def listing(session: Session, actor: Actor, *, limit: int = 200) -> list[ShelterHandover]:
    """Every hand-over the organisation prepares or waits for: open ones first."""
    if not _staff(actor):
        return []
    return list(
        session.scalars(
            select(ShelterHandover)
            .where(
                (ShelterHandover.organisation_id == actor.organisation_id)
                | (ShelterHandover.owner_org_id == actor.organisation_id)
            )
            .order_by(ShelterHandover.ready_at.is_not(None), ShelterHandover.id.desc())
            .limit(limit)
        )
    )
