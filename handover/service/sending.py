"""Proposing and sending: the ladder's rung and its package narrowed by consent, asking the
tenant for what is missing, and offering a case (one, on a decision's behalf, or many at once
for the monthly early-signalling report)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import service as consent_service
from handover.earlysignal.deadlines import is_signal, signals_sent
from handover.models import ACTIVE, Referral
from handover.service.common import (
    PackageItem,
    Proposal,
    clean_reason,
    due,
    move_all,
    notify_party,
    recipients_of,
    require_staff,
)
from portal.actor import Actor
from portal.cases.models import Case
from portal.covenant.rules import active_covenant, require_active_version
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden
from portal.grants import Grant
from portal.links import external_url
from portal.outbox.notices import notify_casework
from portal.sharing import consent_status

if TYPE_CHECKING:
    from consent.models import ConsentRequest


def propose(
    session: Session,
    case: Case,
    purpose: str,
    *,
    rung: int = 0,
    recipient_org_id: int | None = None,
) -> Proposal:
    """The ladder's rung, its partner organisations and the package, narrowed by consent."""
    covenant = active_covenant(session)
    ladder = covenant.ladder(purpose)
    if not ladder:
        raise DomainError(_l("Het convenant kent voor dit doel geen overdracht."))
    if rung >= len(ladder):
        raise DomainError(_l("Er is geen volgende stap op de ladder."))
    role = ladder[rung].role
    recipients = recipients_of(session, covenant, role)
    items = []
    for category, basis in covenant.sharing_package(purpose, role).items():
        if not basis.is_consent:
            items.append(PackageItem(category, basis.code, False, True))
            continue
        status = "missing"
        for org in (
            recipients
            if recipient_org_id is None
            else [o for o in recipients if o.id == recipient_org_id]
        ):
            grant = Grant(org.id, role, purpose, frozenset({category}), "proposal")
            status = consent_status(session, case, grant, category).status
            if status == "valid":
                break
        items.append(PackageItem(category, basis.code, True, status == "valid", status))
    return Proposal(purpose, rung, role, recipients, items)


def ask_consent(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    purpose: str,
    recipient_org_id: int,
    link_for: Callable[[str], str],
) -> tuple[ConsentRequest, str]:
    """One click from the send page: ask the tenant for what the package still misses.

    Returns the request and the channel it went out by.
    """
    require_staff(actor)
    proposal = propose(session, case, purpose, recipient_org_id=recipient_org_id)
    if recipient_org_id not in {o.id for o in proposal.recipients}:
        raise DomainError(_l("Deze organisatie staat niet op deze stap van de ladder."))
    if not proposal.missing_consent:
        raise DomainError(_l("Er ontbreekt geen toestemming voor dit pakket."))
    request, channel, _token = consent_service.ask_missing(
        session,
        actor,
        case,
        purpose=purpose,
        role=proposal.recipient_role,
        organisation_id=recipient_org_id,
        categories=proposal.missing_consent,
        link_for=link_for,
    )
    return request, channel


def send(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    purpose: str,
    recipient_org_id: int,
    note: str | None,
    rung: int = 0,
    previous: Referral | None = None,
    crisis: bool = False,
    warm_handover: bool = False,
    sender_org_id: int | None = None,
    now: datetime | None = None,
) -> Referral:
    """Offer the case to the recipient: the package is what the covenant and consent allow.

    ``crisis`` and ``warm_handover`` mark an early signal (the VNG model's flags). A partner
    that follows up on a referral it received (``previous``) may send in its own name
    (``sender_org_id``: its own organisation), so what follows stays between it and the next
    recipient; otherwise the next referral keeps the first sender, as the ladder does.
    """
    require_staff(actor)
    now = now or utcnow()
    if case.organisation_id != actor.organisation_id and previous is None:
        raise Forbidden()
    if sender_org_id is not None and (
        previous is None
        or sender_org_id != actor.organisation_id
        or previous.recipient_org_id != sender_org_id
    ):
        raise Forbidden()
    return dispatch(
        session,
        actor,
        case,
        purpose=purpose,
        recipient_org_id=recipient_org_id,
        note=note,
        rung=rung,
        previous=previous,
        crisis=crisis,
        warm_handover=warm_handover,
        sender_org_id=sender_org_id,
        now=now,
    )


def dispatch(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    purpose: str,
    recipient_org_id: int,
    note: str | None,
    rung: int,
    previous: Referral | None,
    now: datetime,
    crisis: bool = False,
    warm_handover: bool = False,
    sender_org_id: int | None = None,
) -> Referral:
    """``send`` once the actor may send: also the covenant's own escalation (``escalation``)."""
    if case.status == "closed":
        raise DomainError(_l("Een gesloten casus kan niet worden overgedragen."))
    proposal = propose(session, case, purpose, rung=rung, recipient_org_id=recipient_org_id)
    if recipient_org_id not in {o.id for o in proposal.recipients}:
        raise DomainError(_l("Deze organisatie staat niet op deze stap van de ladder."))
    if open_referrals(session, [case.id], purpose, recipient_org_id):
        raise Conflict(_l("Deze casus is al overgedragen aan deze organisatie."))
    referral = _draft(
        session,
        actor,
        case,
        proposal,
        recipient_org_id=recipient_org_id,
        previous=previous,
        sender_org_id=sender_org_id,
        crisis=crisis,
        warm_handover=warm_handover,
        now=now,
    )
    cleaned = clean_reason(note, required=False)
    if cleaned:
        referral.note = cleaned
    _offer(session, actor, [referral], now)
    notify_party(session, recipient_org_id, referral, "Nieuwe overdracht")
    return referral


def send_on_behalf(
    session: Session,
    case: Case,
    *,
    purpose: str,
    recipient_org_id: int,
    note: str | None,
    label: str,
    now: datetime | None = None,
) -> Referral:
    """The portal refers the case in its owner's name, as the effect of a sealed decision
    (the shelter hand-over of an approved eviction): whoever cast the last vote is not the
    sender. The same rules and records as ``send``; the audit log names ``label``."""
    return dispatch(
        session,
        Actor.system(label),
        case,
        purpose=purpose,
        recipient_org_id=recipient_org_id,
        note=note,
        rung=0,
        previous=None,
        sender_org_id=case.organisation_id,
        now=now or utcnow(),
    )


def send_many(
    session: Session,
    actor: Actor,
    cases: list[Case],
    *,
    purpose: str,
    recipient_org_id: int,
    crisis: bool = False,
    warm_handover: bool = False,
    now: datetime | None = None,
) -> list[Referral]:
    """``send`` for many cases of the actor's organisation to one recipient on the first rung
    (the monthly early-signalling report): the same rules and records per case, with what is
    the same for every case worked out once and written in a few statements, and one notice
    for the batch instead of an e-mail per case. All or nothing: one case that may not go
    stops the batch."""
    require_staff(actor)
    now = now or utcnow()
    if not cases:
        return []
    if any(case.organisation_id != actor.organisation_id for case in cases):
        raise Forbidden()
    if any(case.status == "closed" for case in cases):
        raise DomainError(_l("Een gesloten casus kan niet worden overgedragen."))
    first = propose(session, cases[0], purpose, recipient_org_id=recipient_org_id)
    if recipient_org_id not in {o.id for o in first.recipients}:
        raise DomainError(_l("Deze organisatie staat niet op deze stap van de ladder."))
    # A package without consent is the same for every case; with consent it depends on it.
    per_case = any(item.consent for item in first.items)
    if open_referrals(session, [c.id for c in cases], purpose, recipient_org_id):
        raise Conflict(_l("Deze casus is al overgedragen aan deze organisatie."))
    with session.no_autoflush:  # the drafts are written together by ``_offer``
        referrals = [
            _draft(
                session,
                actor,
                case,
                propose(session, case, purpose, recipient_org_id=recipient_org_id)
                if per_case and index
                else first,
                recipient_org_id=recipient_org_id,
                crisis=crisis,
                warm_handover=warm_handover,
                now=now,
            )
            for index, case in enumerate(cases)
        ]
    _offer(session, actor, referrals, now)
    count = len(referrals)
    notify_casework(
        session,
        [recipient_org_id],
        subject=f"Nieuwe overdrachten ({count})",
        lines=[f"{count} nieuwe overdrachten voor uw organisatie."],
        link=external_url(
            "earlysignal.inbox" if is_signal(session, referrals[0]) else "handover.inbox"
        ),
        kind="referral",
    )
    return referrals


def open_referrals(
    session: Session, case_ids: list[int], purpose: str, recipient_org_id: int
) -> set[int]:
    """The cases among these that have an active referral for the purpose to the recipient."""
    found: set[int] = set()
    for start in range(0, len(case_ids), 500):
        found.update(
            session.scalars(
                select(Referral.case_id).where(
                    Referral.case_id.in_(case_ids[start : start + 500]),
                    Referral.purpose == purpose,
                    Referral.recipient_org_id == recipient_org_id,
                    Referral.status.in_(ACTIVE),
                )
            )
        )
    return found


def _draft(
    session: Session,
    actor: Actor,
    case: Case,
    proposal: Proposal,
    *,
    recipient_org_id: int,
    previous: Referral | None = None,
    sender_org_id: int | None = None,
    crisis: bool,
    warm_handover: bool,
    now: datetime,
) -> Referral:
    """The referral as it will be offered: its package is the proposal's, under the covenant
    in force."""
    return Referral(
        case=case,
        covenant_version_id=require_active_version(session).id,
        purpose=proposal.purpose,
        sender_org_id=sender_org_id
        or (actor.organisation_id if previous is None else previous.sender_org_id),
        recipient_org_id=recipient_org_id,
        recipient_role=proposal.recipient_role,
        rung=proposal.rung,
        status="draft",
        categories=sorted(proposal.categories),
        previous=previous,
        created_by_id=actor.user_id,
        created_at=now,
        crisis=crisis,
        warm_handover=warm_handover,
        events=[],
    )


def _offer(session: Session, actor: Actor, referrals: list[Referral], now: datetime) -> None:
    """Draft to sent: the answer deadline, the grants, the history and, for an early signal,
    the municipality's signal case."""
    session.add_all(referrals)
    session.flush()
    covenant = active_covenant(session)
    for referral in referrals:
        referral.sent_at = now
        days = covenant.ladder(referral.purpose)[referral.rung].response_days
        referral.response_due_at = due(now, days)
    move_all(session, actor, referrals, "send", "sent", now=now)
    signals_sent(session, referrals, now)
