"""Tell other packages that something about a case changed that they derive from.

The kernel cannot import ``handover`` (dependencies point the other way), yet early
signalling keeps a small readiness row per case that must follow the groundwork, the arrears
and each new signal. A package registers a listener with ``on_case_changed`` from its
``init_app``; the kernel's services call ``changed`` (or ``changed_many`` for an import) in
the same transaction as the change, so the derived row commits or rolls back with it.

In the same way, ``on_tenant_reached`` hears of a contact attempt that reached the tenant:
for the partner that accepted a referral, that contact is the referral's first contact, so
nobody reports it a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.cases.models import Case, ContactAttempt

CaseListener = Callable[[Session, list[int]], None]
#: ``listener(session, actor, attempt, day)``: ``day`` is the (decrypted) date she was reached.
ReachedListener = Callable[[Session, Actor, ContactAttempt, date], None]

_listeners: dict[str, CaseListener] = {}
_reached: dict[str, ReachedListener] = {}


def on_case_changed(listener: CaseListener) -> CaseListener:
    """Register ``listener(session, case_ids)``; registering the same function twice is
    harmless (tests build several apps)."""
    _listeners[f"{listener.__module__}.{listener.__qualname__}"] = listener
    return listener


def changed_many(session: Session, case_ids: Iterable[int]) -> None:
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        return
    for listener in list(_listeners.values()):
        listener(session, ids)


def changed(session: Session, case: Case) -> None:
    changed_many(session, [case.id])


def on_tenant_reached(listener: ReachedListener) -> ReachedListener:
    """Register ``listener(session, actor, attempt, day)``, called in the recording
    transaction after the attempt is flushed (if it raises, nothing is recorded)."""
    _reached[f"{listener.__module__}.{listener.__qualname__}"] = listener
    return listener


def tenant_reached(session: Session, actor: Actor, attempt: ContactAttempt, day: date) -> None:
    for listener in list(_reached.values()):
        listener(session, actor, attempt, day)
