"""The lock of the identity check: failures count per person, not per link or browser, so
guessing a birth date across several codes or links still ends in a lock; while locked, no
new code is sent either."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import IdentityLock
from portal.actor import Actor
from portal.audit.service import record as audit


def is_locked(session: Session, person_ids: Sequence[int], now: datetime) -> bool:
    if not person_ids:
        return False
    return (
        session.scalar(
            select(IdentityLock.person_id).where(
                IdentityLock.person_id.in_(person_ids), IdentityLock.locked_until > now
            )
        )
        is not None
    )


def count_failure(session: Session, actor: Actor, person_ids: Sequence[int], now: datetime) -> bool:
    """One more failure for each candidate; True if that locked someone."""
    limit = current_app.config["CONSENT_MAX_ATTEMPTS"]
    locked = False
    for pid in person_ids:
        lock = session.get(IdentityLock, pid)
        if lock is None:
            lock = IdentityLock(person_id=pid, failures=0)
            session.add(lock)
        lock.failures = (lock.failures or 0) + 1
        lock.updated_at = now
        if lock.failures >= limit:
            lock.locked_until = now + timedelta(minutes=current_app.config["CONSENT_LOCK_MINUTES"])
            lock.failures = 0
            locked = True
            audit(session, actor, "consent.identity_locked", person_id=pid)
    session.flush()
    return locked


def clear_failures(session: Session, person_ids: Sequence[int]) -> None:
    """A person who proved who they are starts counting afresh."""
    for pid in person_ids:
        lock = session.get(IdentityLock, pid)
        if lock is not None:
            lock.failures = 0
