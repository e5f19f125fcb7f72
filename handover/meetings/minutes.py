"""What happens at the table: guests sign the confidentiality statement first, the minutes
per case, agreements that become tasks, and the tenant's answer to her invitation.

Nothing of a case is shown while a registered guest has not signed (``blocked``), so the
minutes cannot be written either. An agreement's owner is the host or an invited partner; its
task (``portal.tasks``, kind ``meeting_agreement``) appears in that partner's Mijn werk.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from handover.meetings.models import (
    ANSWERS,
    CATEGORY,
    CaseMeeting,
    MeetingAgreement,
    MeetingGuest,
    MeetingItem,
)
from handover.meetings.models import TASK_KIND as TASK_KIND
from handover.meetings.service import is_host, sync_grants
from portal.actor import Actor
from portal.audit.service import record
from portal.db import changed_rows, lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.tasks import service as tasks

MINUTES_MAX = 10_000
AGREEMENT_MAX = 1000
NAME_MAX = 120


def blocked(meeting: CaseMeeting) -> bool:
    """A registered guest has not signed: the meeting's case data stay off the screen."""
    return bool(meeting.unsigned_guests)


def _unblocked(meeting: CaseMeeting) -> None:
    if blocked(meeting):
        raise Conflict(
            _l("Eerst tekenen alle gasten de geheimhoudingsverklaring. Daarna kunt u verder.")
        )


# --- guests ---------------------------------------------------------------------------------------


def add_guest(
    session: Session, actor: Actor, meeting: CaseMeeting, *, name: str, organisation: str
) -> MeetingGuest:
    if not is_host(actor, meeting):
        raise Forbidden()
    name, organisation = " ".join(name.split()), " ".join(organisation.split())
    if not name or len(name) > NAME_MAX:
        raise DomainError(_l("Vul de naam van de gast in."), field="name")
    if not organisation or len(organisation) > NAME_MAX:
        raise DomainError(_l("Vul in voor welke organisatie de gast komt."), field="organisation")
    guest = MeetingGuest(
        meeting=meeting, name=name, organisation_name=organisation, added_by_id=actor.user_id
    )
    session.add(guest)
    session.flush()
    record(session, actor, "meeting.guest", detail={"meeting": meeting.id, "guest": guest.id})
    return guest


def load_guest(meeting: CaseMeeting, guest_id: int) -> MeetingGuest:
    guest = next((g for g in meeting.guests if g.id == guest_id), None)
    if guest is None:
        raise NotFound()
    return guest


def sign(session: Session, actor: Actor, guest: MeetingGuest, *, agreed: bool) -> MeetingGuest:
    """The guest read the statement and ticked the box, on the host's screen: recorded once,
    with who recorded it and when."""
    if not is_host(actor, guest.meeting):
        raise Forbidden()
    if not agreed:
        raise DomainError(_l("De gast moet de verklaring eerst lezen en aanvinken."),
                          field="agree")  # fmt: skip
    done = changed_rows(
        session,
        update(MeetingGuest)
        .where(MeetingGuest.id == guest.id, MeetingGuest.signed_at.is_(None))
        .values(signed_at=utcnow(), signed_recorded_by_id=actor.user_id),
    )
    if not done:
        raise Conflict(_l("Deze gast heeft al getekend."))
    session.refresh(guest)
    record(session, actor, "meeting.guest_signed",
           detail={"meeting": guest.meeting_id, "guest": guest.id})  # fmt: skip
    return guest


# --- minutes and agreements ---------------------------------------------------------------------


def record_minutes(session: Session, actor: Actor, item: MeetingItem, text: str) -> MeetingItem:
    if not is_host(actor, item.meeting):
        raise Forbidden()
    _unblocked(item.meeting)
    text = text.strip()
    if not text:
        raise DomainError(_l("Schrijf op wat besproken is."), field="minutes")
    if len(text) > MINUTES_MAX:
        raise DomainError(_l("Te lang (maximaal %(n)s tekens).", n=MINUTES_MAX), field="minutes")
    item = lock_row(session, item)
    if item.closed_at is not None:
        raise Conflict(_l("Deze bespreking is al afgesloten."))
    item.minutes = text
    item.minutes_at, item.minutes_by_id = utcnow(), actor.user_id
    session.flush()
    record(session, actor, "meeting.minutes", case_id=item.case_id, categories=[CATEGORY],
           detail={"item": item.id})  # fmt: skip
    return item


def owners(item: MeetingItem) -> dict[int, str]:
    """Who may own an agreement: the host and every invited partner (id -> name)."""
    found = {item.meeting.host_org_id: item.meeting.host.name}
    found.update({i.organisation_id: i.organisation.name for i in item.invitees})
    return found


def add_agreement(
    session: Session,
    actor: Actor,
    item: MeetingItem,
    *,
    text: str,
    organisation_id: int,
    due_on: date,
) -> MeetingAgreement:
    """An agreement made at the table: its words here, a task for its owner by the deadline."""
    if not is_host(actor, item.meeting):
        raise Forbidden()
    _unblocked(item.meeting)
    if item.closed_at is not None:
        raise Conflict(_l("Deze bespreking is al afgesloten."))
    text = text.strip()
    if len(text) < 3 or len(text) > AGREEMENT_MAX:
        raise DomainError(_l("Schrijf op wat is afgesproken (hoogstens %(n)s tekens).",
                             n=AGREEMENT_MAX), field="text")  # fmt: skip
    if organisation_id not in owners(item):
        raise DomainError(_l("Kies een organisatie die aan tafel zit."), field="organisation")
    agreement = MeetingAgreement(
        item=item,
        case=item.case,
        organisation_id=organisation_id,
        due_on=due_on,
        text=text,
        created_by_id=actor.user_id,
    )
    session.add(agreement)
    session.flush()
    tasks.add(session, actor, item.case, kind=TASK_KIND, source=agreement.source,
              organisation_id=organisation_id, due_on=due_on)  # fmt: skip
    record(session, actor, "meeting.agreement", case_id=item.case_id, categories=[CATEGORY],
           detail={"item": item.id, "agreement": agreement.id})  # fmt: skip
    return agreement


def task_of(session: Session, agreement: MeetingAgreement) -> tasks.CaseTask | None:
    found = tasks.for_source(session, agreement.source)
    return found[0] if found else None


def complete_agreement(
    session: Session, actor: Actor, agreement: MeetingAgreement, task: tasks.CaseTask
) -> tasks.CaseTask:
    """Its owner (or the host) marks the agreement done: with its last open agreement from a
    closed discussion, a partner's reading access to the meeting's words ends too. The item's
    row is locked first, as closing it does, so a close at the same moment is seen: the
    grants are worked out from the item and the tasks as they are stored, not as loaded."""
    item = lock_row(session, agreement.item)
    done = tasks.complete(session, actor, task)
    sync_grants(session, item)
    return done


# --- the tenant's answer --------------------------------------------------------------------------


def answer(
    session: Session, actor: Actor, item: MeetingItem, reply: str, *, now: datetime | None = None
) -> MeetingItem:
    """She says whether she comes (she may change her mind until the meeting)."""
    own = actor.kind == "tenant" and any(p.id == actor.person_id for p in item.case.persons)
    if not own or item.tenant_invited_at is None:
        raise NotFound()
    if reply not in ANSWERS:
        raise DomainError(_l("Kies of u komt."), field="answer")
    now = now or utcnow()
    if item.meeting.starts_at < now:
        raise Conflict(_l("Het overleg is al geweest."))
    item = lock_row(session, item)
    item.tenant_answer = reply
    item.tenant_answered_at = now
    session.flush()
    record(session, actor, "meeting.tenant_answer", case_id=item.case_id,
           categories=[CATEGORY], detail={"item": item.id})  # fmt: skip
    return item
