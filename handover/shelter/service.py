"""The shelter hand-over: started by an approved eviction, ticked off by the shelter point.

* ``start`` (an ``on_assignment_issued`` hook of the decisions): when the covenant names a
  shelter purpose for the decision's kind (``shelter_handover``), the portal refers the case
  in its owner's name to that purpose's first rung (the shelter point) through the referral
  machinery, so it lands in the shelter point's inbox with its package (identity, contact,
  household on the purpose's statutory basis), and lists what must be done before the
  eviction date: shelter arranged, and with minors the children's school and care informed.
* ``tick``: the organisation responsible for an item ticks it, once, with who and when (and
  where and from when, for the shelter itself: its own note), and only once it has accepted
  the referral: before that it has not taken the family on. The last one makes the
  hand-over ready, and the owner is told.
* ``refer_again``: when the shelter point declined the referral (or returned it, or let it
  expire, or the owner withdrew it), the owner refers the family again, through the same
  referral machinery, and the hand-over follows the newest referral.
* ``bailiff_hold``: what the decision page and its service ask before the corporation may
  record the bailiff's assignment. With minors and the covenant's
  ``shelter_before_bailiff_if_minors`` it blocks until the hand-over is ready; otherwise it
  only advises. A referral that ended without the hand-over being ready is named as the
  reason, so the owner knows to refer again.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import has_request_context, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.decisions.models import Assignment, Decision, DecisionTimelineEntry
from handover.decisions.policy import BailiffHold
from handover.decisions.service import covenant_for
from handover.models import ACTIVE, Referral, ReferralEvent
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
from portal.i18n import join_words
from portal.links import external_url
from portal.outbox.notices import notify_casework

NOTE_MIN = 3
NOTE_MAX = 2000
#: The owner's own words with a new referral (the portal adds the household and the date).
REFER_NOTE_MAX = 1000
#: The referral's statuses in which the shelter point has taken the family on.
TAKEN_ON = ("accepted", "in_progress")
#: Why the referral no longer runs, in words naming the shelter point (``%(org)s``).
LAPSED = {
    "declined": _l("%(org)s heeft de overdracht afgewezen."),
    "returned": _l("%(org)s heeft de overdracht teruggegeven."),
    "expired": _l("%(org)s heeft niet op tijd op de overdracht gereageerd."),
    "withdrawn": _l("De overdracht aan %(org)s is ingetrokken."),
}
LAPSED_OTHERWISE = _l("De overdracht aan %(org)s loopt niet meer.")
#: The referral's steps that end it with a reason in words.
ENDED_WITH_REASON = ("decline", "return", "withdraw")


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
    points = shelter_points(session, purpose)
    shelter = points[0] if points else None
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


def shelter_points(session: Session, purpose: str) -> list[Organisation]:
    """The partners playing the role of the purpose's first rung (the shelter point), by
    name: whom the hand-over can go to."""
    covenant = active_covenant(session)
    ladder = covenant.ladder(purpose) if purpose in covenant.purposes else ()
    slugs = covenant.partners_with_role(ladder[0].role) if ladder else ()
    if not slugs:
        return []
    return list(
        session.scalars(
            select(Organisation).where(Organisation.slug.in_(slugs)).order_by(Organisation.name)
        )
    )


def _refer(
    session: Session,
    decision: Decision,
    purpose: str,
    shelter_id: int,
    size: int,
    minors: int,
    now: datetime,
    *,
    actor: Actor | None = None,
    extra: str | None = None,
) -> Referral:
    """The referral that carries the package; an active one to the same point is reused.
    Sent by the portal in the owner's name (the decision's effect), or by ``actor``, the
    owner's caseworker who refers again, with ``extra``: their own words."""
    eviction_on = planned_eviction(session, decision.case_id)
    with force_locale("nl"):
        when = (
            _("Geplande ontruiming: %(date)s.", date=format_date(eviction_on, "long"))
            if eviction_on
            else _("De datum van de ontruiming is nog niet bekend.")
        )
        note = " ".join(
            (
                _("Ontruiming besloten: bereid de opvang voor."),
                _("Huishouden van %(n)s, van wie %(m)s minderjarig.", n=size, m=minors),
                when,
                *((extra,) if extra else ()),
            )
        )
    try:
        if actor is not None:
            return referrals.send(
                session,
                actor,
                decision.case,
                purpose=purpose,
                recipient_org_id=shelter_id,
                note=note,
                now=now,
            )
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
        if found is None:  # refused for another reason than an earlier referral: pass it on
            raise
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


def referral_of(session: Session, handover: ShelterHandover) -> Referral | None:
    """The hand-over's referral: the newest one it was referred under."""
    return session.get(Referral, handover.referral_id) if handover.referral_id else None


def referral_active(session: Session, handover: ShelterHandover) -> bool:
    referral = referral_of(session, handover)
    return referral is not None and referral.status in ACTIVE


def taken_on(session: Session, handover: ShelterHandover) -> bool:
    """Whether the shelter point has accepted the referral (and not ended it)."""
    referral = referral_of(session, handover)
    return referral is not None and referral.status in TAKEN_ON


def lapsed(session: Session, handover: ShelterHandover) -> bool:
    """The referral ended without the shelter point taking the family on (declined, returned,
    expired, withdrawn) while the hand-over is not ready: nobody is preparing the shelter until
    the owner refers again. A completed or escalated referral is not that: the point finished,
    or the covenant's ladder already offered the case on."""
    if handover.ready:
        return False
    referral = referral_of(session, handover)
    return referral is None or referral.status in LAPSED


def lapsed_words(session: Session, handover: ShelterHandover) -> str:
    """Why nobody is preparing the shelter, naming the shelter point."""
    referral = referral_of(session, handover)
    if referral is None:
        return str(_l("De overdracht aan het meldpunt opvang loopt niet meer."))
    return str(LAPSED.get(referral.status, LAPSED_OTHERWISE)) % {"org": referral.recipient.name}


def why_lapsed(session: Session, handover: ShelterHandover) -> ReferralEvent | None:
    """The step that ended the referral with a reason (a decline, a return, a withdrawal):
    the page reads its reason through the policy point. None while it runs."""
    referral = referral_of(session, handover)
    if referral is None or referral.status in ACTIVE:
        return None
    return next(
        (
            e
            for e in reversed(referral.events)
            if e.to_status == referral.status and e.kind in ENDED_WITH_REASON
        ),
        None,
    )


def may_tick(session: Session, actor: Actor, item: ShelterItem) -> bool:
    return (
        _staff(actor)
        and actor.organisation_id == item.organisation_id
        and item.done_at is None
        and taken_on(session, item.handover)
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
    text = " ".join((note or "").split())
    if code == "shelter_arranged" and len(text) < NOTE_MIN:
        raise DomainError(_l("Schrijf waar het gezin terechtkan en vanaf wanneer."), field="note")
    if len(text) > NOTE_MAX:
        raise DomainError(_l("De tekst is te lang (maximaal %(n)s tekens).", n=NOTE_MAX))
    now = now or utcnow()
    handover = lock_row(session, handover)
    session.refresh(item)
    # After the lock: a referral to another point may have moved the item meanwhile.
    if actor.organisation_id != item.organisation_id:
        raise Forbidden(_l("Dit punt is van een andere organisatie."))
    if item.done_at is not None:
        raise Conflict(_l("Dit punt is al afgevinkt."))
    referral = referral_of(session, handover)
    if referral is not None:
        referral = lock_row(session, referral)  # its status now, not as loaded
    if referral is None or referral.status not in ACTIVE:
        raise Conflict(_l("De overdracht aan het meldpunt loopt niet meer."))
    if referral.status not in TAKEN_ON:
        raise Conflict(
            _l(
                "Accepteer eerst de overdracht van deze casus. Daarna kunt u afvinken wat "
                "geregeld is."
            )
        )
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


# --- referring again -------------------------------------------------------------------------


def may_refer_again(session: Session, actor: Actor, handover: ShelterHandover) -> bool:
    """The owner's caseworker, while the referral has ended and the hand-over is not ready."""
    return (
        _staff(actor)
        and actor.organisation_id == handover.owner_org_id
        and lapsed(session, handover)
    )


def refer_again(
    session: Session,
    actor: Actor,
    handover: ShelterHandover,
    *,
    recipient_org_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Referral:
    """The owner refers the family again after the shelter point declined (or returned the
    referral, let it expire, or the owner withdrew it): to another partner with the shelter
    role, or the same one after talking it over, through the referral machinery as ``start``
    does, so it lands in that point's inbox with its package. The hand-over follows the new
    referral; two owners at once refer once (the hand-over's row is locked).

    Ticks already made stay, with who and when: the school and the care were told, whoever
    shelters the family now. When the family goes to another shelter point, the notes the
    previous point wrote are erased: they are that point's own record, which the next one
    may not read, and the previous point no longer sees the hand-over, so nobody could. And a
    place arranged by the point that gave the hand-over back cannot be counted on, so that
    item opens again (the audit log keeps who ticked it and when). Every open item goes to
    the new point.
    """
    if not visible_to(actor, handover):
        raise NotFound()
    if actor.organisation_id != handover.owner_org_id:
        raise Forbidden(_l("Alleen de corporatie kan het gezin opnieuw aanmelden."))
    points = {org.id: org for org in shelter_points(session, handover.purpose)}
    if recipient_org_id not in points:
        raise DomainError(_l("Kies een meldpunt opvang uit de lijst."), field="recipient")
    text = " ".join((note or "").split())
    if len(text) > REFER_NOTE_MAX:
        raise DomainError(
            _l("De tekst is te lang (maximaal %(n)s tekens).", n=REFER_NOTE_MAX), field="note"
        )
    now = now or utcnow()
    handover = lock_row(session, handover)
    if handover.ready:
        raise Conflict(_l("De opvang is al voorbereid."))
    current = referral_of(session, handover)
    if current is not None and lock_row(session, current).status in ACTIVE:
        raise Conflict(_l("Het gezin is al aangemeld bij het meldpunt opvang."))
    previous = handover.referral_id
    decision = session.get_one(Decision, handover.decision_id)
    referral = _refer(
        session,
        decision,
        handover.purpose,
        recipient_org_id,
        handover.household_size,
        handover.minors,
        now,
        actor=actor,
        extra=text or None,
    )
    reopened = []
    if recipient_org_id != handover.organisation_id:
        for item in handover.items:
            if item.organisation_id == handover.organisation_id:
                item.note = None
            if item.done_at is not None and item.item == "shelter_arranged":
                item.done_at = item.done_by_id = None
                reopened.append(item.item)
            if item.done_at is None:
                item.organisation_id = recipient_org_id
        handover.organisation_id = recipient_org_id
    handover.referral_id = referral.id
    session.flush()
    record(
        session,
        actor,
        "shelter.referred_again",
        case_id=handover.case_id,
        categories=["identity"] if text else [],
        detail={
            "handover": handover.id,
            "referral": referral.id,
            "previous": previous,
            "recipient": recipient_org_id,
            "reopened": reopened,
        },
    )
    return referral


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
    listed = join_words(missing)
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
    url = url_for("shelter.detail", handover_id=handover.id) if has_request_context() else None
    if not lapsed(session, handover):
        return BailiffHold(
            str(message), missing, blocking, url, str(_l("Naar de opvang na ontruiming"))
        )
    # Nobody prepares the shelter now: say why first, and what the owner can do.
    return BailiffHold(
        " ".join(
            (
                lapsed_words(session, handover),
                str(message),
                str(_l("Meld het gezin opnieuw aan bij de opvang.")),
            )
        ),
        missing,
        blocking,
        f"{url}#refer-again" if url else None,
        str(_l("Opnieuw aanmelden bij de opvang")),
        reason=_reason(why_lapsed(session, handover)),
    )


def _reason(event: ReferralEvent | None) -> tuple[ReferralEvent, str] | None:
    return (event, "reason") if event is not None else None


# --- lists ----------------------------------------------------------------------------------


def referral_statuses(session: Session, handovers: list[ShelterHandover]) -> dict[int, str]:
    """Each hand-over's referral status (by hand-over id) in one query, so a list can name a
    declined one."""
    ids = [h.referral_id for h in handovers if h.referral_id]
    if not ids:
        return {}
    found = session.execute(select(Referral.id, Referral.status).where(Referral.id.in_(ids)))
    status = {row.id: row.status for row in found}
    return {h.id: status[h.referral_id] for h in handovers if h.referral_id in status}


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
