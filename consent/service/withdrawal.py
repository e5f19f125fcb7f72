"""The end of a consent: the tenant (or a professional for her) withdraws some or all of
it, or its period runs out (``flask consent expire``). Either is an append-only
``ConsentEvent``; then the notices go out and the ``on_consent_withdrawn`` hooks run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from consent import hooks
from consent.models import ConsentEvent, ConsentRecord
from consent.policy import states
from consent.service._common import require_owner
from consent.service.notices import notify_end
from portal.actor import Actor
from portal.audit.service import record as audit
from portal.db import utcnow
from portal.errors import DomainError, Forbidden, NotFound


def _end(
    session: Session,
    actor: Actor,
    record: ConsentRecord,
    *,
    kind: str,
    categories: list[str],
    method: str,
    given_by: str | None,
    ends_record: bool,
    now: datetime,
) -> ConsentEvent:
    """Record that (part of) a consent ended, "withdrawn" or "expired": the event and its
    audit event; then tell the owner, ask every organisation that received data to
    acknowledge, and run the hooks. One path for both, so an expiry reaches the same people
    as a withdrawal."""
    event = ConsentEvent(
        record_id=record.id,
        kind=kind,
        categories=categories,
        occurred_at=now,
        method=method,
        given_by=given_by,
        ends_record=ends_record,
        actor_kind=actor.kind,
        user_id=actor.user_id,
    )
    session.add(event)
    session.flush()
    how = {"method": method} if kind == "withdrawn" else {}  # an expiry is always "system"
    audit(
        session,
        actor,
        {"withdrawn": "consent.withdrawn", "expired": "consent.expired"}[kind],
        case_id=record.case_id,
        person_id=record.person_id,
        categories=categories,
        detail={"record": record.id, **how, "event": event.id},
    )
    with force_locale("nl"):  # professionals' notices, whatever language the tenant reads
        notify_end(session, record, event, now)
    hooks.emit_withdrawn(session, record, event)
    return event


def withdraw(
    session: Session,
    actor: Actor,
    record: ConsentRecord,
    categories: Iterable[str] | None = None,
    *,
    method: str | None = None,
    now: datetime | None = None,
) -> ConsentEvent:
    """Withdraw some (or, with ``None``, all) of a record's categories that still count.

    The tenant withdraws online; a professional of the owner records a withdrawal the tenant
    gave by phone, in person ("verbal") or in writing ("paper"). Takes effect on the next
    request: the policy point reads the events every time."""
    now = now or utcnow()
    if actor.kind == "tenant":
        if actor.person_id != record.person_id:
            raise NotFound()
        method = "online"
    elif actor.kind == "staff":
        require_owner(actor, record.case)
        if method not in ("verbal", "paper"):
            raise DomainError(str(_l("Kies hoe de huurder de toestemming introk.")), field="method")
    else:
        raise Forbidden()

    state = states(session, [record], now)[record.id]
    active = state.active
    chosen = active if categories is None else [c for c in active if c in set(categories)]
    if categories is not None and set(categories) - set(active):
        raise DomainError(str(_l("Kies wat u wilt intrekken.")), field="categories")
    if not chosen:
        raise DomainError(str(_l("Kies wat u wilt intrekken.")), field="categories")
    return _end(
        session,
        actor,
        record,
        kind="withdrawn",
        categories=chosen,
        method=method,
        given_by=record.given_by if actor.kind == "tenant" else None,
        ends_record=set(chosen) == set(active),
        now=now,
    )


def expire_due(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[ConsentEvent]:
    """Record the expiry of every record whose period ended (a job: ``flask consent expire``).

    The policy point already treats such records as expired; the event makes it visible and
    notifies the owner and the recipients."""
    now = now or utcnow()
    ended = exists().where(
        ConsentEvent.record_id == ConsentRecord.id,
        or_(ConsentEvent.kind == "expired", ConsentEvent.ends_record),
    )
    due = list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.valid_until <= now, ~ended)
            .order_by(ConsentRecord.id)
        )
    )
    found = states(session, due, now)
    done = []
    for record in due:
        remaining = [c for c in record.categories if c not in found[record.id].withdrawn]
        done.append(
            _end(
                session,
                actor,
                record,
                kind="expired",
                categories=remaining,
                method="system",
                given_by=None,
                ends_record=True,
                now=now,
            )
        )
    return done
