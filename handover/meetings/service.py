"""Case meetings: plan one, put the host's cases on its agenda, invite partners as the
covenant allows and the tenant in plain words, close an item.

Who may be invited comes from the covenant's ``case_meeting`` purpose: a partner playing one
of its sharing roles (never the host itself). An invited partner's grant is that role's
package, stored in ``case_grant`` in the same transaction (``portal.grants``) while the item
is open, so the policy point needs nothing new; closing the item ends it. A partner that
still has an open agreement from the item keeps only the meeting's own category (the words of
its agreement and the minutes it heard) until that agreement is done: it must be able to read
what it promised to do. Minutes, agreements and guests are in ``handover.meetings.minutes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.orm import Session

from handover.meetings.models import (
    CATEGORY,
    PURPOSE,
    TASK_KIND,
    CaseMeeting,
    MeetingAgreement,
    MeetingInvitee,
    MeetingItem,
)
from portal.accounts.models import Organisation
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.policy import load_case_by_reference
from portal.covenant.rules import Covenant, active_covenant
from portal.db import changed_rows, lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.grants import Grant, set_grants
from portal.tasks.models import CaseTask

PLACE_MAX = 200
TOPIC_MIN, TOPIC_MAX = 20, 1000


@dataclass(frozen=True)
class Invitable:
    """A partner the covenant lets the host invite to discuss a case, and in which role."""

    organisation: Organisation
    role: str


def _host(actor: Actor) -> int:
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        raise Forbidden()
    return actor.organisation_id


def is_host(actor: Actor, meeting: CaseMeeting) -> bool:
    return actor.kind == "staff" and actor.organisation_id == meeting.host_org_id


# --- meetings and their agenda ------------------------------------------------------------------


def plan(session: Session, actor: Actor, *, starts_at: datetime, place: str) -> CaseMeeting:
    host = _host(actor)
    place = " ".join(place.split())
    if not place:
        raise DomainError(_l("Vul in waar het overleg is."), field="place")
    if len(place) > PLACE_MAX:
        raise DomainError(_l("Te lang (maximaal %(n)s tekens).", n=PLACE_MAX), field="place")
    meeting = CaseMeeting(
        host_org_id=host, starts_at=starts_at, place=place, created_by_id=actor.user_id
    )
    session.add(meeting)
    session.flush()
    record(session, actor, "meeting.plan", detail={"meeting": meeting.id})
    return meeting


def meetings_of(session: Session, actor: Actor) -> list[CaseMeeting]:
    """The host's meetings, the coming ones first, then the past ones newest first."""
    rows = session.scalars(
        select(CaseMeeting)
        .where(CaseMeeting.host_org_id == actor.organisation_id)
        .order_by(CaseMeeting.starts_at.desc(), CaseMeeting.id.desc())
        .limit(200)
    ).all()
    now = utcnow()
    coming = sorted((m for m in rows if m.starts_at >= now), key=lambda m: m.starts_at)
    return coming + [m for m in rows if m.starts_at < now]


def load_meeting(session: Session, actor: Actor, meeting_id: int) -> CaseMeeting:
    """A meeting, for its host only; to anyone else it does not exist."""
    meeting = session.get(CaseMeeting, meeting_id)
    if meeting is None or not is_host(actor, meeting):
        raise NotFound()
    return meeting


def add_case(session: Session, actor: Actor, meeting: CaseMeeting, case: Case) -> MeetingItem:
    """Put one of the host's open cases on the agenda (once)."""
    if not is_host(actor, meeting) or case.organisation_id != meeting.host_org_id:
        raise Forbidden()
    if case.status == "closed":
        raise DomainError(_l("Een gesloten casus kan niet op de agenda."), field="reference")
    if any(item.case_id == case.id for item in meeting.items):
        raise Conflict(_l("Deze casus staat al op de agenda."))
    item = MeetingItem(meeting=meeting, case=case, position=len(meeting.items) + 1)
    session.add(item)
    session.flush()
    record(session, actor, "meeting.agenda", case_id=case.id,
           detail={"meeting": meeting.id, "item": item.id})  # fmt: skip
    return item


def add_case_by_reference(
    session: Session, actor: Actor, meeting: CaseMeeting, reference: str
) -> MeetingItem:
    """``add_case`` for the case the host typed the reference of (only its own cases are
    found: another organisation's case answers the same as one that does not exist)."""
    try:
        case = load_case_by_reference(session, actor, reference)
    except NotFound:
        raise DomainError(
            _l("Geen open casus van uw organisatie met dit nummer."), field="reference"
        ) from None
    return add_case(session, actor, meeting, case)


def load_item(session: Session, actor: Actor, item_id: int) -> MeetingItem:
    """An agenda item, for the host and for an invited partner while it is open."""
    item = session.get(MeetingItem, item_id)
    if item is None or not may_view(actor, item):
        raise NotFound()
    return item


def may_view(actor: Actor, item: MeetingItem) -> bool:
    if actor.kind != "staff" or actor.organisation_id is None:
        return False
    if actor.organisation_id == item.meeting.host_org_id:
        return True
    return item.closed_at is None and any(
        i.organisation_id == actor.organisation_id for i in item.invitees
    )


def items_of_case(session: Session, actor: Actor, case: Case) -> list[MeetingItem]:
    """The agenda items of a case the actor may open, newest meeting first."""
    rows = session.scalars(
        select(MeetingItem)
        .join(CaseMeeting, CaseMeeting.id == MeetingItem.meeting_id)
        .where(MeetingItem.case_id == case.id)
        .order_by(CaseMeeting.starts_at.desc(), MeetingItem.id.desc())
    ).all()
    return [item for item in rows if may_view(actor, item)]


# --- invitations --------------------------------------------------------------------------------


def invitable(session: Session, item: MeetingItem) -> list[Invitable]:
    """Every partner the covenant lets the host invite for this case, in its role (the roles
    of the purpose's sharing rules), the host itself left out."""
    covenant = active_covenant(session)
    purpose = covenant.purposes.get(PURPOSE)
    if purpose is None:
        return []
    slugs: dict[str, str] = {}
    for role in purpose.sharing:
        for slug in covenant.partners_with_role(role):
            slugs.setdefault(slug, role)
    orgs = session.scalars(
        select(Organisation).where(Organisation.slug.in_(slugs)).order_by(Organisation.name)
    )
    return [Invitable(org, slugs[org.slug]) for org in orgs if org.id != item.meeting.host_org_id]


def invite(
    session: Session, actor: Actor, item: MeetingItem, organisation_id: int
) -> MeetingInvitee:
    """Invite a partner to discuss the case: it sees its role's package while the item is open."""
    if not is_host(actor, item.meeting):
        raise Forbidden()
    _open(item)
    found = next(
        (i for i in invitable(session, item) if i.organisation.id == organisation_id), None
    )
    if found is None:
        raise DomainError(_l("Het convenant laat niet toe deze partner hiervoor uit te nodigen."),
                          field="organisation")  # fmt: skip
    if any(i.organisation_id == organisation_id for i in item.invitees):
        raise Conflict(_l("Deze partner is al uitgenodigd."))
    invitee = MeetingInvitee(
        item=item, organisation_id=organisation_id, role=found.role, invited_by_id=actor.user_id
    )
    session.add(invitee)
    session.flush()
    session.refresh(item)
    sync_grants(session, item)
    detail = {"item": item.id, "organisation": organisation_id, "role": found.role}
    record(session, actor, "meeting.invite", case_id=item.case_id, detail=detail)
    return invitee


def invite_tenant(session: Session, actor: Actor, item: MeetingItem, topic: str) -> MeetingItem:
    """Invite the tenant to sit at the table, with what will be discussed in plain words."""
    if not is_host(actor, item.meeting):
        raise Forbidden()
    _open(item)
    topic = topic.strip()
    if len(topic) < TOPIC_MIN:
        raise DomainError(
            _l("Schrijf in minstens %(n)s tekens wat u gaat bespreken.", n=TOPIC_MIN),
            field="topic",
        )
    if len(topic) > TOPIC_MAX:
        raise DomainError(_l("Te lang (maximaal %(n)s tekens).", n=TOPIC_MAX), field="topic")
    item = lock_row(session, item)
    item.topic = topic
    item.tenant_invited_at = item.tenant_invited_at or utcnow()
    session.flush()
    record(session, actor, "meeting.invite_tenant", case_id=item.case_id,
           categories=[CATEGORY], detail={"item": item.id})  # fmt: skip
    return item


def close_item(session: Session, actor: Actor, item: MeetingItem) -> MeetingItem:
    """The case is discussed: the invited partners' grants end (once; a second close is a
    conflict)."""
    if not is_host(actor, item.meeting):
        raise Forbidden()
    closed = changed_rows(
        session,
        update(MeetingItem)
        .where(MeetingItem.id == item.id, MeetingItem.closed_at.is_(None))
        .values(closed_at=utcnow()),
    )
    if not closed:
        raise Conflict(_l("Deze bespreking is al afgesloten."))
    session.refresh(item)
    sync_grants(session, item)
    record(session, actor, "meeting.close", case_id=item.case_id, detail={"item": item.id})
    return item


def _open(item: MeetingItem) -> None:
    if item.closed_at is not None:
        raise Conflict(_l("Deze bespreking is al afgesloten."))


# --- grants -------------------------------------------------------------------------------------


def _open_agreement_tasks() -> list[Any]:
    return [
        CaseTask.kind == TASK_KIND,
        CaseTask.done_at.is_(None),
        CaseTask.cancelled_at.is_(None),
    ]


def _still_working(session: Session, item: MeetingItem) -> set[int]:
    """The organisations with an agreement from this item that is not done yet."""
    sources = [a.source for a in item.agreements]
    if not sources:
        return set()
    return set(
        session.scalars(
            select(CaseTask.organisation_id).where(
                CaseTask.source.in_(sources), *_open_agreement_tasks()
            )
        )
    )


def _grants(covenant: Covenant, item: MeetingItem, still_working: set[int]) -> list[Grant]:
    purpose = covenant.purposes.get(PURPOSE)
    if purpose is None:
        return []
    grants = []
    for invitee in item.invitees:
        package = frozenset(purpose.sharing.get(invitee.role, {}))
        if item.closed_at is not None:
            working = invitee.organisation_id in still_working
            package = package & {CATEGORY} if working else frozenset()
        if package:
            grants.append(
                Grant(
                    organisation_id=invitee.organisation_id,
                    recipient_role=invitee.role,
                    purpose=PURPOSE,
                    categories=package,
                    source=item.source,
                )
            )
    return grants


def sync_grants(session: Session, item: MeetingItem) -> None:
    grants = _grants(active_covenant(session), item, _still_working(session, item))
    set_grants(session, item.case_id, item.source, grants)


def expected_grants(session: Session) -> Iterator[tuple[int, Grant]]:
    """The grants the agenda items give now (``flask grants check`` compares): the open items,
    and the closed ones with an agreement still to do."""
    working = select(MeetingAgreement.item_id).where(
        select(CaseTask.id)
        .where(
            CaseTask.source == "meeting_agreement:" + cast(MeetingAgreement.id, String),
            *_open_agreement_tasks(),
        )
        .exists()
    )
    rows = session.scalars(
        select(MeetingItem)
        .where(or_(MeetingItem.closed_at.is_(None), MeetingItem.id.in_(working)))
        .order_by(MeetingItem.id)
    ).all()
    if not rows:
        return
    covenant = active_covenant(session)
    for item in rows:
        for grant in _grants(covenant, item, _still_working(session, item)):
            yield item.case_id, grant
