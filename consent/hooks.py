"""Callbacks for other packages when a consent stops counting (withdrawn or expired).

The handover package (referrals) depends on consent, not the other way round, so consent
cannot call it. Instead it subscribes::

    from consent.hooks import on_consent_withdrawn

    @on_consent_withdrawn
    def pause_referrals(session, record, event):
        ...  # e.g. pause the referrals of record.case_id that relied on record.id

Callbacks run inside the withdrawing (or expiring) transaction, after the event row is
written and before anything is committed: if one raises, nothing is withdrawn. ``event.kind``
is ``"withdrawn"`` or ``"expired"``; ``event.categories`` lists the categories that stopped
(a partial withdrawal names only some of ``record.categories``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from consent.models import ConsentEvent, ConsentRecord

WithdrawnCallback = Callable[[Session, "ConsentRecord", "ConsentEvent"], None]

_withdrawn: list[WithdrawnCallback] = []


def on_consent_withdrawn(callback: WithdrawnCallback) -> WithdrawnCallback:
    """Subscribe to withdrawals and expiries (usable as a decorator; registering twice is
    harmless)."""
    if callback not in _withdrawn:
        _withdrawn.append(callback)
    return callback


def forget(callback: WithdrawnCallback) -> None:
    if callback in _withdrawn:
        _withdrawn.remove(callback)


def emit_withdrawn(session: Session, record: ConsentRecord, event: ConsentEvent) -> None:
    for callback in list(_withdrawn):
        callback(session, record, event)
