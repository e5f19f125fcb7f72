"""The referral life cycle: every transition is one function with its rules.

draft → sent → accepted | declined | returned | expired | withdrawn → in_progress →
completed | escalated (the next rung of the covenant's ladder takes over). Each transition
locks the referral row and checks the version the user saw, so two people acting at once
produce exactly one outcome; the loser gets ``Conflict``. Every transition is recorded as a
``ReferralEvent`` and in the audit log, and the other side is told by e-mail (a reference and
a link only). Every change of status goes through ``_move``, which also stores what the
referral grants now (``case_grant``): its package while it is active, nothing once closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import service as consent_service
from handover.earlysignal.deadlines import is_signal, referral_closed, signals_sent
from handover.models import (
    ACTIVE,
    ARREARS_ITEM,
    CHECKS,
    ESCALATABLE,
    OUTCOMES,
    REPORTS,
    ItemCheck,
    Referral,
    ReferralEvent,
)
from handover.policy import sync_grants
from portal.accounts.models import Organisation
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.api.service.webhooks import Event, emit
from portal.audit.service import record
from portal.cases.models import GROUNDWORK_MODELS, Case, ContactAttempt
from portal.covenant.rules import (
    Covenant,
    active_covenant,
    require_active_version,
)
from portal.db import lock_row, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.grants import Grant
from portal.links import external_url
from portal.outbox.notices import notify_casework
from portal.sharing import consent_status, decide
from portal.workdays import local_date, start_of_local_day

if TYPE_CHECKING:
    from consent.models import ConsentEvent, ConsentRecord, ConsentRequest

REASON_MAX = 2000


@dataclass(frozen=True)
class PackageItem:
    category: str
    basis: str  # legal basis code
    consent: bool  # the basis is consent
    included: bool  # statutory, or consent given
    consent_status: str | None = None


@dataclass(frozen=True)
class Proposal:
    """What the portal proposes for a referral: the rung, the recipient, the package."""

    purpose: str
    rung: int
    recipient_role: str
    recipients: list[Organisation]
    items: list[PackageItem] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return [i.category for i in self.items if i.included]

    @property
    def missing_consent(self) -> list[str]:
        return [i.category for i in self.items if i.consent and not i.included]


# --- helpers --------------------------------------------------------------------------------


def _require_staff(actor: Actor) -> int:
    """Casework staff only; answers their organisation's id (every staff actor has one)."""
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        raise Forbidden()
    return actor.organisation_id


def _recipients(session: Session, covenant: Covenant, role: str) -> list[Organisation]:
    slugs = covenant.partners_with_role(role)
    if not slugs:
        return []
    return list(
        session.scalars(
            select(Organisation).where(Organisation.slug.in_(slugs)).order_by(Organisation.name)
        )
    )


def _lock(session: Session, referral: Referral, expected_version: int | None) -> Referral:
    """Lock the row and re-read it; refuse when someone changed it since the user looked."""
    locked = lock_row(session, referral)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def _clean_reason(reason: str | None, required: bool) -> str | None:
    text = " ".join((reason or "").split())
    if required and len(text) < 3:
        raise DomainError(_l("Geef een korte reden."))
    if len(text) > REASON_MAX:
        raise DomainError(_l("De reden is te lang (maximaal %(n)s tekens).", n=REASON_MAX))
    return text or None


def _move(
    session: Session,
    actor: Actor,
    referral: Referral,
    kind: str,
    to_status: str,
    *,
    reason: str | None = None,
    now: datetime,
) -> None:
    _move_all(session, actor, [referral], kind, to_status, reason=reason, now=now)


def _move_all(
    session: Session,
    actor: Actor,
    referrals: list[Referral],
    kind: str,
    to_status: str,
    *,
    reason: str | None = None,
    now: datetime,
) -> None:
    """Every change of status: its event in the history, the grants, the audit log."""
    moves = []
    for referral in referrals:
        event = ReferralEvent(
            case_id=referral.case_id,
            kind=kind,
            from_status=referral.status,
            to_status=to_status,
            user_id=actor.user_id,
            organisation_id=actor.organisation_id,
            at=now,
        )
        referral.events.append(event)
        if reason:
            event.reason = reason
        referral.status = to_status
        moves.append((referral, event.from_status))
    session.flush()
    sync_grants(session, referrals)
    # Both sides' systems hear of it (a reference and the event; they read the rest).
    emit(
        session,
        [
            Event(
                frozenset({r.sender_org_id, r.recipient_org_id}),
                f"referral.{kind}",
                {
                    "referral_id": r.id,
                    "case_reference": r.case.reference,
                    "purpose": r.purpose,
                    "status": to_status,
                },
            )
            for r, _from in moves
        ],
    )
    for referral, from_status in moves:
        if to_status not in ACTIVE:
            referral_closed(session, referral)
        record(
            session,
            actor,
            f"referral.{kind}",
            case_id=referral.case_id,
            categories=["identity"] if reason else [],
            detail={"referral": referral.id, "from": from_status, "to": to_status},
        )


def notify_party(session: Session, organisation_id: int, referral: Referral, what: str) -> None:
    """E-mail the organisation's casework staff what happened to the referral."""
    reference = referral.case.reference
    notify_casework(
        session,
        [organisation_id],
        subject=f"{what} ({reference})",
        lines=[f"{what}.", "", f"Casus: {reference}"],
        link=external_url("handover.detail", referral_id=referral.id),
        kind="referral",
    )


def _due(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


# --- proposing and sending ------------------------------------------------------------------


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
    recipients = _recipients(session, covenant, role)
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
    _require_staff(actor)
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
    _require_staff(actor)
    now = now or utcnow()
    if case.organisation_id != actor.organisation_id and previous is None:
        raise Forbidden()
    if sender_org_id is not None and (
        previous is None
        or sender_org_id != actor.organisation_id
        or previous.recipient_org_id != sender_org_id
    ):
        raise Forbidden()
    return _send(
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


def _send(
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
    if _open_referrals(session, [case.id], purpose, recipient_org_id):
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
    cleaned = _clean_reason(note, required=False)
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
    return _send(
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
    _require_staff(actor)
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
    if _open_referrals(session, [c.id for c in cases], purpose, recipient_org_id):
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


def _open_referrals(
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
        referral.response_due_at = _due(now, days)
    _move_all(session, actor, referrals, "send", "sent", now=now)
    signals_sent(session, referrals, now)


# --- the receiver ---------------------------------------------------------------------------


def _as_recipient(actor: Actor, referral: Referral) -> None:
    _require_staff(actor)
    if actor.organisation_id != referral.recipient_org_id:
        raise NotFound()


def _as_sender(actor: Actor, referral: Referral) -> None:
    _require_staff(actor)
    if actor.organisation_id != referral.sender_org_id:
        raise NotFound()


def accept(
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    _as_recipient(actor, referral)
    now = now or utcnow()
    referral = _lock(session, referral, version)
    if referral.status != "sent":
        raise Conflict(_l("Deze overdracht wacht niet meer op acceptatie."))
    rung = active_covenant(session).ladder(referral.purpose)[referral.rung]
    referral.accepted_at = now
    # An early signal runs on the legal deadlines of its signal case instead.
    if not is_signal(session, referral):
        referral.first_contact_due_at = _due(now, rung.first_contact_days)
    _move(session, actor, referral, "accept", "accepted", now=now)
    notify_party(session, referral.sender_org_id, referral, "Overdracht geaccepteerd")
    return referral


@dataclass(frozen=True)
class _Closing:
    """One way a referral closes with a reason: from which statuses, and what each side sees."""

    kind: str
    to_status: str
    open_in: tuple[str, ...]
    refusal: str
    notice: str


DECLINE = _Closing(
    "decline",
    "declined",
    ("sent",),
    _l("Deze overdracht wacht niet meer op acceptatie."),
    "Overdracht afgewezen",
)
RETURN = _Closing(
    "return",
    "returned",
    ("accepted", "in_progress"),
    _l("Alleen een geaccepteerde overdracht kan worden teruggegeven."),
    "Overdracht teruggegeven",
)
WITHDRAW = _Closing(
    "withdraw",
    "withdrawn",
    ("sent", "accepted"),
    _l("Deze overdracht kan niet meer worden ingetrokken."),
    "Overdracht ingetrokken",
)


def _close_with_reason(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    closing: _Closing,
    *,
    version: int | None,
    now: datetime | None,
) -> Referral:
    """Decline, return or withdraw: always with a reason, kept in the history; the other side
    is told."""
    cleaned = _clean_reason(reason, True)
    now = now or utcnow()
    referral = _lock(session, referral, version)
    if referral.status not in closing.open_in:
        raise Conflict(closing.refusal)
    referral.closed_at = now
    _move(session, actor, referral, closing.kind, closing.to_status, reason=cleaned, now=now)
    other = (
        referral.recipient_org_id
        if actor.organisation_id == referral.sender_org_id
        else referral.sender_org_id
    )
    notify_party(session, other, referral, closing.notice)
    if closing is not WITHDRAW:
        from handover.escalation import referral_ended  # it builds on this module

        referral_ended(session, referral, now=now)
    return referral


def decline(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    _as_recipient(actor, referral)
    return _close_with_reason(session, actor, referral, reason, DECLINE, version=version, now=now)


def return_to_sender(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """The receiver gives the case back, e.g. because the tenant could not be reached."""
    _as_recipient(actor, referral)
    return _close_with_reason(session, actor, referral, reason, RETURN, version=version, now=now)


def report(
    session: Session,
    actor: Actor,
    referral: Referral,
    kind: str,
    *,
    outcome: str | None = None,
    on: date | None = None,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Feedback to the sender: first contact made, help started (``on`` the day it happened,
    today when not given), help ended with an outcome."""
    _as_recipient(actor, referral)
    if kind not in REPORTS:
        raise DomainError(_l("Onbekende terugmelding."))
    if is_signal(session, referral):
        # An early signal is answered with the model's contact attempts and outcome, of
        # which the signalling partner learns only what the model permits.
        raise DomainError(_l("Leg dit vast bij het vroegsignaal."))
    now = now or utcnow()
    referral = _lock(session, referral, version)
    if referral.status not in ("accepted", "in_progress"):
        raise Conflict(_l("Deze overdracht is niet (meer) in behandeling."))
    if kind == "first_contact":
        if referral.first_contact_at is not None:
            raise Conflict(_l("Het eerste contact is al gemeld."))
        _first_contact(session, actor, referral, _happened(referral, on, now), now=now)
    elif kind == "help_started":
        if referral.help_started_at is not None:
            raise Conflict(_l("De start van de hulp is al gemeld."))
        referral.help_started_at = _happened(referral, on, now)
        referral.first_contact_at = referral.first_contact_at or referral.help_started_at
        _move(session, actor, referral, "help_started", "in_progress", now=now)
        notify_party(
            session, referral.sender_org_id, referral, "Hulp gestart: incasso kan worden gepauzeerd"
        )
    else:
        if outcome not in OUTCOMES:
            raise DomainError(_l("Kies de uitkomst van de hulp."))
        referral.outcome = outcome
        referral.closed_at = now
        _move(session, actor, referral, "help_ended", "completed", now=now)
        notify_party(session, referral.sender_org_id, referral, "Hulp afgerond")
    return referral


def _happened(referral: Referral, on: date | None, now: datetime) -> datetime:
    """The moment of a step the caseworker dates: now for today, else the start of that Dutch
    day; never in the future, never before the referral was accepted."""
    today = local_date(now)
    day = on or today
    if day > today:
        raise DomainError(_l("Die datum ligt in de toekomst."), field="on")
    if referral.accepted_at is not None and day < local_date(referral.accepted_at):
        raise DomainError(
            _l("Die datum ligt voor de dag waarop u de overdracht accepteerde."), field="on"
        )
    return now if day == today else start_of_local_day(day)


def _first_contact(
    session: Session,
    actor: Actor,
    referral: Referral,
    at: datetime,
    *,
    attempt_id: int | None = None,
    now: datetime,
) -> None:
    referral.first_contact_at = at
    referral.first_contact_attempt_id = attempt_id
    _move(session, actor, referral, "first_contact", "in_progress", now=now)
    notify_party(session, referral.sender_org_id, referral, "Eerste contact gelegd")


def tenant_reached(session: Session, actor: Actor, attempt: ContactAttempt, day: date) -> None:
    """A contact attempt that reached the tenant is the first contact of each referral of the
    case that the actor's organisation accepted and has not yet reported contact on: the
    attempt is the record of it (its date, channel and note), not a second click."""
    if actor.kind != "staff" or not actor.organisation_id:
        return
    waiting = session.scalars(
        select(Referral).where(
            Referral.case_id == attempt.case_id,
            Referral.recipient_org_id == actor.organisation_id,
            Referral.status == "accepted",
            Referral.first_contact_at.is_(None),
        )
    ).all()
    now = utcnow()
    for referral in waiting:
        if is_signal(session, referral):
            continue  # an early signal records its own contact attempts
        if referral.accepted_at is not None and day < local_date(referral.accepted_at):
            continue  # reached before this referral was hers: not its first contact
        referral = _lock(session, referral, None)
        _first_contact(
            session, actor, referral, _happened(referral, day, now), attempt_id=attempt.id, now=now
        )


# --- the sender -----------------------------------------------------------------------------


def withdraw(
    session: Session,
    actor: Actor,
    referral: Referral,
    reason: str,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Take back a referral sent by mistake; it stays in the history with the reason."""
    _as_sender(actor, referral)
    return _close_with_reason(session, actor, referral, reason, WITHDRAW, version=version, now=now)


def reopen(
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """A completed referral goes back to work (receiver); a refused one is offered again."""
    _require_staff(actor)
    now = now or utcnow()
    referral = _lock(session, referral, version)
    if referral.status == "completed" and actor.organisation_id == referral.recipient_org_id:
        referral.closed_at = None
        referral.outcome = None
        _move(session, actor, referral, "reopen", "in_progress", now=now)
        notify_party(session, referral.sender_org_id, referral, "Overdracht heropend")
    elif referral.status in ("declined", "returned", "expired", "withdrawn") and (
        actor.organisation_id == referral.sender_org_id
    ):
        rung = active_covenant(session).ladder(referral.purpose)[referral.rung]
        referral.closed_at = None
        referral.accepted_at = referral.first_contact_due_at = referral.first_contact_at = None
        referral.sent_at = now
        referral.response_due_at = _due(now, rung.response_days)
        _move(session, actor, referral, "reopen", "sent", now=now)
        signals_sent(session, [referral], now)
        notify_party(session, referral.recipient_org_id, referral, "Overdracht opnieuw aangeboden")
    elif actor.organisation_id in (referral.sender_org_id, referral.recipient_org_id):
        raise Conflict(_l("Deze overdracht kan niet worden heropend."))
    else:
        raise NotFound()
    return referral


def next_step(session: Session, referral: Referral) -> Proposal | None:
    """After a decline, return or expiry: the proposal for the next rung, if the ladder has one."""
    if referral.status not in ESCALATABLE:
        return None
    if referral.rung + 1 >= len(active_covenant(session).ladder(referral.purpose)):
        return None
    return propose(session, referral.case, referral.purpose, rung=referral.rung + 1)


def escalate(
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    recipient_org_id: int,
    note: str | None,
    version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Offer the case to the next rung, carrying everything gathered so far."""
    _as_sender(actor, referral)
    now = now or utcnow()
    referral = _lock(session, referral, version)
    return escalate_locked(session, actor, referral, recipient_org_id, note, now=now)


def may_offer_next(session: Session, referral: Referral, recipient_org_id: int) -> bool:
    """Whether the case can go to the next rung's partner without a refusal: still open, and
    not already with that partner for this purpose (the covenant's own escalation checks this
    first, so a decline never fails on what follows it)."""
    return referral.case.status != "closed" and not _open_referrals(
        session, [referral.case_id], referral.purpose, recipient_org_id
    )


def escalate_locked(
    session: Session,
    actor: Actor,
    referral: Referral,
    recipient_org_id: int,
    note: str | None,
    *,
    now: datetime,
) -> Referral:
    """``escalate`` on a locked referral, by its sender or by the covenant itself."""
    if referral.status not in ESCALATABLE:
        raise Conflict(_l("Deze overdracht kan niet naar de volgende stap."))
    if next_step(session, referral) is None:
        raise DomainError(_l("Er is geen volgende stap op de ladder."))
    referral.escalation_due_at = None
    _move(session, actor, referral, "escalate", "escalated", now=now)
    return _send(
        session,
        actor,
        referral.case,
        purpose=referral.purpose,
        recipient_org_id=recipient_org_id,
        note=note,
        rung=referral.rung + 1,
        previous=referral,
        now=now,
    )


# --- deadlines ------------------------------------------------------------------------------


@dataclass
class SlaResult:
    expired: list[int] = field(default_factory=list)
    first_contact_overdue: list[int] = field(default_factory=list)
    #: Referrals whose next step nobody chose in time: the coordinating role was alerted.
    stuck: list[int] = field(default_factory=list)


def check_sla(session: Session, *, now: datetime | None = None) -> SlaResult:
    """Expire referrals nobody answered in time (and escalate them as the covenant says);
    warn once when first contact is overdue; alert the coordinating role once when a sender
    let the choice of the next step pass."""
    from handover.escalation import check_escalations, referral_ended  # builds on this module

    now = now or utcnow()
    actor = Actor.system("cli:sla check")
    result = SlaResult()
    overdue = session.scalars(
        select(Referral).where(Referral.status == "sent", Referral.response_due_at < now)
    ).all()
    for referral in overdue:
        locked = _lock(session, referral, None)
        if locked.status != "sent":
            continue
        locked.closed_at = now
        _move(session, actor, locked, "expire", "expired", now=now)
        notify_party(
            session,
            locked.sender_org_id,
            locked,
            "Overdracht verlopen: geen reactie binnen de termijn",
        )
        referral_ended(session, locked, now=now)
        result.expired.append(locked.id)
    late = session.scalars(
        select(Referral).where(
            Referral.status == "accepted",
            Referral.first_contact_at.is_(None),
            Referral.first_contact_due_at < now,
            Referral.overdue_notified_at.is_(None),
        )
    ).all()
    for referral in late:
        referral.overdue_notified_at = now
        record(
            session,
            actor,
            "referral.first_contact_overdue",
            case_id=referral.case_id,
            detail={"referral": referral.id},
        )
        for org_id in (referral.recipient_org_id, referral.sender_org_id):
            notify_party(session, org_id, referral, "Termijn voor eerste contact verstreken")
        result.first_contact_overdue.append(referral.id)
    result.stuck = check_escalations(session, now=now)
    session.flush()
    return result


# --- checking the groundwork -----------------------------------------------------------------

#: Checkable item types and their data category.
ITEM_CATEGORIES = {
    ARREARS_ITEM: Case.__categories__["arrears_cents"],
    **{model.__item_type__: model.__category__ for model in GROUNDWORK_MODELS},
}
_ITEM_MODELS = {model.__item_type__: model for model in GROUNDWORK_MODELS}


def _item_category(session: Session, case: Case, item_type: str, item_id: int) -> str:
    """The category of one item of ``case``; NotFound for anything else (ids are hostile)."""
    if item_type == ARREARS_ITEM:
        if item_id != case.id:
            raise NotFound()
    elif item_type in _ITEM_MODELS:
        item = session.get(_ITEM_MODELS[item_type], item_id)
        if item is None or item.case_id != case.id:
            raise NotFound()
    else:
        raise NotFound()
    return ITEM_CATEGORIES[item_type]


def check_item(
    session: Session,
    actor: Actor,
    referral: Referral,
    item_type: str,
    item_id: int,
    status: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> ItemCheck:
    """The receiver says whether one item of the package holds; a dispute needs a note.

    Only items the receiver can see right now (in the package, and the consent still
    counting) can be checked. Checking again replaces the receiver's verdict on the item.
    """
    _as_recipient(actor, referral)
    if status not in CHECKS:
        raise DomainError(_l("Kies of het klopt of niet."))
    cleaned = _clean_reason(note, required=status == "disputed")
    now = now or utcnow()
    referral = _lock(session, referral, None)
    if referral.status not in ("accepted", "in_progress"):
        raise Conflict(_l("Alleen een geaccepteerde overdracht kunt u controleren."))
    case = referral.case
    category = _item_category(session, case, item_type, item_id)
    if (
        category not in referral.categories
        or not decide(session, actor, case, [category])[category].allowed
    ):
        raise NotFound()
    check = session.scalar(
        select(ItemCheck).where(
            ItemCheck.referral_id == referral.id,
            ItemCheck.item_type == item_type,
            ItemCheck.item_id == item_id,
        )
    )
    if check is None:
        check = ItemCheck(referral=referral, case_id=case.id, item_type=item_type, item_id=item_id)
        session.add(check)
    check.status = status
    check.note = cleaned
    check.organisation_id = _require_staff(actor)
    check.user_id = actor.user_id
    check.at = now
    session.flush()
    record(
        session,
        actor,
        "referral.item_check",
        case_id=case.id,
        categories=["identity"] if cleaned else [],
        detail={"referral": referral.id, "item": item_type, "id": item_id, "status": status},
    )
    return check


def item_checks(session: Session, case: Case) -> dict[tuple[str, int], list[ItemCheck]]:
    """Every verdict on the case's items, oldest first, from every referral of the case: what
    earlier partners on the ladder found still counts for the next one."""
    found: dict[tuple[str, int], list[ItemCheck]] = {}
    rows = session.scalars(
        select(ItemCheck).where(ItemCheck.case_id == case.id).order_by(ItemCheck.at, ItemCheck.id)
    )
    for check in rows:
        found.setdefault(check.key, []).append(check)
    return found


# --- consent that stops counting ---------------------------------------------------------------


def consent_ended(session: Session, consent: ConsentRecord, event: ConsentEvent) -> None:
    """A consent a package relied on was withdrawn or expired: note it on each active referral
    it covered, so both sides see why part of the package is now withheld.

    The referral itself goes on (the statutory part of the package still holds, and new
    consent makes the rest visible again on the next request); the policy point already
    withholds the stopped categories.
    """
    stopped = set(event.categories or consent.categories)
    rows = session.scalars(
        select(Referral).where(
            Referral.case_id == consent.case_id,
            Referral.purpose == consent.purpose,
            Referral.recipient_role == consent.recipient_role,
            Referral.status.in_(ACTIVE),
        )
    )
    for referral in rows:
        if consent.recipient_organisation_id not in (None, referral.recipient_org_id):
            continue
        hit = sorted(stopped & set(referral.categories))
        if not hit:
            continue
        kind = f"consent_{event.kind}"
        referral.events.append(
            ReferralEvent(
                case_id=referral.case_id,
                kind=kind,
                from_status=referral.status,
                to_status=referral.status,
                categories=hit,
                at=event.occurred_at,
            )
        )
        session.flush()
        record(
            session,
            Actor.system("consent"),
            f"referral.{kind}",
            case_id=referral.case_id,
            detail={"referral": referral.id, "consent": consent.id, "categories": hit},
        )
