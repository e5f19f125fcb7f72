"""Groundwork (voorwerk): recording contact attempts, agreements, finances and the life map.

Who may record: whoever may see the item's data category on the case (the owning
organisation always; a partner with a grant for that category too, so a debt coach's failed
attempts join the same record). Contact attempts and agreements are each one organisation's
account: only the organisation that recorded one changes it. The finances and the life map
are one shared picture per case: whoever may record them keeps them current, and the item
names the organisation that changed it last. Every change writes an audit event naming the
item, never its content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import numbers
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.hooks import changed, tenant_reached
from portal.cases.models import (
    AGREEMENT_STATUSES,
    CHANNELS,
    DEBT_SUPPORT,
    GROUNDWORK_MODELS,
    INCOME_SOURCES,
    LETTER_KINDS,
    LIFE_DOMAINS,
    LIFE_STATUSES,
    OUTCOMES,
    Agreement,
    Case,
    ContactAttempt,
    Finances,
    GroundworkItem,
    Letter,
    LifeMapEntry,
)
from portal.cases.service import require_not_erased
from portal.db import utcnow
from portal.errors import DomainError, Forbidden
from portal.workdays import local_today

NOTE_MAX = 500
LIFE_NOTE_MAX = 300

Item = TypeVar("Item", bound=GroundworkItem)


@dataclass(frozen=True, repr=False)
class ContactAttemptData:
    attempted_on: date | None
    channel: str | None
    outcome: str | None
    note: str | None = None


@dataclass(frozen=True, repr=False)
class LetterData:
    sent_on: date | None
    kind: str | None
    points_to_help: bool = False
    data_offer: bool = False
    note: str | None = None


@dataclass(frozen=True, repr=False)
class AgreementData:
    amount_cents: int | None
    starts_on: date | None
    status: str | None = "proposed"
    note: str | None = None


@dataclass(frozen=True, repr=False)
class FinancesData:
    income_source: str | None = None
    income_cents: int | None = None
    debts_cents: int | None = None
    debts_note: str | None = None
    debt_support: str | None = None


@dataclass(frozen=True, repr=False)
class LifeDomainData:
    status: str | None = None
    note: str | None = None


# --- who may record ---------------------------------------------------------------------------


def may_record(session: Session, actor: Actor, case: Case, category: str) -> bool:
    """May ``actor`` add groundwork of ``category`` to ``case``? (Same rule as seeing it.)"""
    from portal.sharing import decide

    return decide(session, actor, case, [category])[category].allowed


def may_change(actor: Actor, item: GroundworkItem) -> bool:
    """Only the organisation that recorded an item changes it (operator commands too)."""
    return actor.kind == "system" or (
        actor.kind == "staff" and actor.organisation_id == item.organisation_id
    )


def _require_record(session: Session, actor: Actor, case: Case, category: str) -> None:
    if actor.kind not in ("staff", "system") or not may_record(session, actor, case, category):
        raise Forbidden(str(_l("U mag dit niet vastleggen bij deze casus.")))
    require_not_erased(case)


def _require_change(session: Session, actor: Actor, item: GroundworkItem) -> None:
    if not may_change(actor, item):
        raise Forbidden(str(_l("Alleen de organisatie die dit vastlegde, kan het wijzigen.")))
    _require_record(session, actor, item.case, item.__category__)


# --- checks -----------------------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(str(_l("Controleer wat u invulde.")), field=field)
    value = value.strip()
    if len(value) > limit:
        raise DomainError(str(_l("Dit is te lang: hoogstens %(n)s tekens.", n=limit)), field=field)
    return value or None


def _choice(value: str | None, choices: tuple[str, ...], field: str, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise DomainError(str(_l("Maak een keuze.")), field=field)
        return None
    if value not in choices:
        raise DomainError(str(_l("Kies een van de mogelijkheden.")), field=field)
    return value


def _cents(value: int | None, field: str, required: bool = False, positive: bool = False) -> Any:
    if value is None:
        if required:
            raise DomainError(str(_l("Vul een bedrag in.")), field=field)
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < (1 if positive else 0):
        raise DomainError(str(_l("Dit bedrag klopt niet.")), field=field)
    if value > numbers.MAX_CENTS:
        raise DomainError(str(numbers.too_high_message()), field=field)
    return value


def _day(value: date | None, field: str, *, past: bool) -> date:
    if value is None or not isinstance(value, date):
        raise DomainError(str(_l("Vul een datum in.")), field=field)
    if past and value > local_today():
        raise DomainError(str(_l("Deze datum ligt in de toekomst.")), field=field)
    if value.year < 2000:
        raise DomainError(str(_l("Deze datum klopt niet.")), field=field)
    return value


def _contact_values(data: ContactAttemptData) -> dict[str, Any]:
    return {
        "attempted_on": _day(data.attempted_on, "attempted_on", past=True),
        "channel": _choice(data.channel, CHANNELS, "channel", required=True),
        "outcome": _choice(data.outcome, OUTCOMES, "outcome", required=True),
        "note": _text(data.note, "note", NOTE_MAX),
    }


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError(str(_l("Kies ja of nee.")), field=field)
    return value


def _letter_values(data: LetterData) -> dict[str, Any]:
    return {
        "sent_on": _day(data.sent_on, "sent_on", past=True),
        "kind": _choice(data.kind, LETTER_KINDS, "kind", required=True),
        "points_to_help": _flag(data.points_to_help, "points_to_help"),
        "data_offer": _flag(data.data_offer, "data_offer"),
        "note": _text(data.note, "note", NOTE_MAX),
    }


def _agreement_values(data: AgreementData) -> dict[str, Any]:
    return {
        "amount_cents": _cents(data.amount_cents, "amount", required=True, positive=True),
        "starts_on": _day(data.starts_on, "starts_on", past=False),
        "status": _choice(data.status, AGREEMENT_STATUSES, "status", required=True),
        "note": _text(data.note, "note", NOTE_MAX),
    }


def _finances_values(data: FinancesData) -> dict[str, Any]:
    return {
        "income_source": _choice(data.income_source, INCOME_SOURCES, "income_source", False),
        "income_cents": _cents(data.income_cents, "income"),
        "debts_cents": _cents(data.debts_cents, "debts"),
        "debts_note": _text(data.debts_note, "debts_note", NOTE_MAX),
        "debt_support": _choice(data.debt_support, DEBT_SUPPORT, "debt_support", False),
    }


# --- recording --------------------------------------------------------------------------------


def _stamp(actor: Actor, case: Case, item: GroundworkItem) -> None:
    item.organisation_id = actor.organisation_id or case.organisation_id
    item.created_by_id = actor.user_id
    item.updated_at = utcnow()


def _audit(session: Session, actor: Actor, action: str, item: GroundworkItem, **extra: Any) -> None:
    record(
        session,
        actor,
        action,
        case_id=item.case_id,
        categories=[item.__category__],
        detail={"item": item.__item_type__, "id": item.id, **extra},
    )


def _add(session: Session, actor: Actor, case: Case, item: Item) -> Item:
    item.case = case
    item.case_id = case.id
    _stamp(actor, case, item)
    session.add(item)
    session.flush()
    _audit(session, actor, "groundwork.add", item)
    return item


def _change(session: Session, actor: Actor, item: Item, values: Mapping[str, Any]) -> Item:
    for name, value in values.items():
        setattr(item, name, value)
    _stamp(actor, item.case, item)
    session.flush()
    _audit(session, actor, "groundwork.update", item, fields=sorted(values))
    return item


def add_contact_attempt(
    session: Session, actor: Actor, case: Case, data: ContactAttemptData
) -> ContactAttempt:
    """Record an attempt to reach the tenant.

    The first attempt meets the first-contact deadline (the case leaves "overdue"); reaching
    the tenant on an open case puts it in progress, and is the first contact of a referral
    the actor's organisation accepted (``hooks.on_tenant_reached``), so nobody reports it twice.
    """
    _require_record(session, actor, case, ContactAttempt.__category__)
    values = _contact_values(data)
    attempt = _add(session, actor, case, ContactAttempt(**values))
    case.contact_due_on = None
    if values["outcome"] == "reached" and case.status == "open":
        case.status = "in_progress"
    session.flush()
    changed(session, case)
    if values["outcome"] == "reached":
        tenant_reached(session, actor, attempt, values["attempted_on"])
    return attempt


def update_contact_attempt(
    session: Session, actor: Actor, attempt: ContactAttempt, data: ContactAttemptData
) -> ContactAttempt:
    _require_change(session, actor, attempt)
    values = _contact_values(data)
    _change(session, actor, attempt, values)
    changed(session, attempt.case)
    if values["outcome"] == "reached":  # a correction can be the first time she was reached
        tenant_reached(session, actor, attempt, values["attempted_on"])
    return attempt


def add_letter(session: Session, actor: Actor, case: Case, data: LetterData) -> Letter:
    """Record a letter sent to the tenant (a reminder, a summons or another letter), with
    whether it pointed to debt help and offered to pass the data on to the municipality."""
    _require_record(session, actor, case, Letter.__category__)
    letter = _add(session, actor, case, Letter(**_letter_values(data)))
    changed(session, case)
    return letter


def update_letter(session: Session, actor: Actor, letter: Letter, data: LetterData) -> Letter:
    _require_change(session, actor, letter)
    _change(session, actor, letter, _letter_values(data))
    changed(session, letter.case)
    return letter


def add_agreement(session: Session, actor: Actor, case: Case, data: AgreementData) -> Agreement:
    """Record a payment arrangement (amount per month, from a start date)."""
    _require_record(session, actor, case, Agreement.__category__)
    return _add(session, actor, case, Agreement(**_agreement_values(data)))


def update_agreement(
    session: Session, actor: Actor, agreement: Agreement, data: AgreementData
) -> Agreement:
    _require_change(session, actor, agreement)
    return _change(session, actor, agreement, _agreement_values(data))


def finances_of(session: Session, case: Case) -> Finances | None:
    return session.scalar(select(Finances).where(Finances.case_id == case.id))


def save_finances(session: Session, actor: Actor, case: Case, data: FinancesData) -> Finances:
    """Record or change what is known of the household's money situation (one per case)."""
    _require_record(session, actor, case, Finances.__category__)
    values = _finances_values(data)
    existing = finances_of(session, case)
    if existing is None:
        return _add(session, actor, case, Finances(**values))
    return _change(session, actor, existing, values)


def groundwork_items(
    session: Session, case: Case, categories: set[str] | None = None
) -> dict[str, list[GroundworkItem]]:
    """Every groundwork item of a case per data category, oldest first: what a handover
    sends as its package (only the categories it may share) and lets the receiver verify
    item by item, as ``(item.__item_type__, item.id)``."""
    found: dict[str, list[GroundworkItem]] = {}
    for model in GROUNDWORK_MODELS:
        if categories is not None and model.__category__ not in categories:
            continue
        items = session.scalars(
            select(model).where(model.case_id == case.id).order_by(model.id)
        ).all()
        if items:
            found.setdefault(model.__category__, []).extend(items)
    return found


def current_life_map(session: Session, case: Case) -> list[LifeMapEntry]:
    return list(session.scalars(select(LifeMapEntry).where(LifeMapEntry.case_id == case.id)))


def save_life_map(
    session: Session, actor: Actor, case: Case, domains: Mapping[str, LifeDomainData]
) -> list[LifeMapEntry]:
    """Record the life map: per domain a status and a note; an empty domain is removed.

    All domains are checked before anything changes, so one bad value changes nothing.
    """
    _require_record(session, actor, case, LifeMapEntry.__category__)
    unknown = set(domains) - set(LIFE_DOMAINS)
    if unknown:
        raise DomainError(str(_l("Onbekend levensgebied.")), field="domain")
    cleaned = {
        domain: {
            "status": _choice(data.status, LIFE_STATUSES, f"{domain}-status", False),
            "note": _text(data.note, f"{domain}-note", LIFE_NOTE_MAX),
        }
        for domain, data in domains.items()
    }
    existing = {
        e.domain: e
        for e in session.scalars(select(LifeMapEntry).where(LifeMapEntry.case_id == case.id))
    }
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for domain, values in cleaned.items():
        entry = existing.get(domain)
        if values["status"] is None and values["note"] is None:
            if entry is not None:
                session.delete(entry)
                del existing[domain]
                changes["removed"].append(domain)
            continue
        if entry is None:
            entry = existing[domain] = LifeMapEntry(domain=domain, case=case, case_id=case.id)
            session.add(entry)
            changes["added"].append(domain)
        else:
            changes["changed"].append(domain)
        for name, value in values.items():
            setattr(entry, name, value)
        _stamp(actor, case, entry)
    session.flush()
    record(
        session,
        actor,
        "groundwork.life_map",
        case_id=case.id,
        categories=[LifeMapEntry.__category__],
        detail={"item": LifeMapEntry.__item_type__, **changes},
    )
    return [existing[d] for d in LIFE_DOMAINS if d in existing]
