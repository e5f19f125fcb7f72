"""Tell other packages that something about a case changed that they derive from.

The kernel cannot import ``handover`` (dependencies point the other way), yet early
signalling keeps a small readiness row per case that must follow the groundwork, the arrears
and each new signal. A package registers a listener with ``on_case_changed`` from its
``init_app``; the kernel's services call ``changed`` (or ``changed_many`` for an import) in
the same transaction as the change, so the derived row commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from portal.cases.models import Case

CaseListener = Callable[[Session, list[int]], None]

_listeners: dict[str, CaseListener] = {}


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
