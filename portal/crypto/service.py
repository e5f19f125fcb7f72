"""Data keys: create, unwrap (cached for one session), re-wrap on rotation, destroy.

Services flush and never commit; the CLI commits once per rotation batch, so a crash loses
at most one batch and a rerun picks up where it stopped (only keys not yet on the primary
master-key version are selected).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.service import record
from portal.bulk import insert_rows, reserve_ids
from portal.crypto.aead import failure
from portal.crypto.context import (
    DESTROYED,
    cache_cipher,
    crypto_for,
    data_key_cache,
)
from portal.crypto.errors import CryptoError
from portal.crypto.keyring import KEY_BYTES
from portal.crypto.models import DataKey
from portal.db import utcnow

#: Data key ids are INTEGER columns (a 32-bit signed range on PostgreSQL).
MAX_KEY_ID = 2**31 - 1


class RotationError(CryptoError):
    """A data key cannot be re-wrapped (its master-key version is not configured)."""


def create_data_key(session: Session) -> DataKey:
    """A fresh random 256-bit data key, stored wrapped by the primary master key."""
    raw = AESGCM.generate_key(bit_length=256)
    kek_version, wrapped = crypto_for(session).wrapper.wrap(raw)
    data_key = DataKey(kek_version=kek_version, wrapped_key=wrapped)
    session.add(data_key)
    session.flush()
    cache_cipher(session, data_key.id, AESGCM(raw))
    return data_key


def create_data_keys(session: Session, count: int) -> list[int]:
    """``count`` fresh data keys stored in bulk (``portal.bulk``), for imports; their ids.

    Each is wrapped by the primary master key and cached on the session, exactly like
    ``create_data_key`` does for one. On SQLite, only in a transaction that has written
    already (``portal.bulk.reserve_ids``).
    """
    if count <= 0:
        return []
    wrapper = crypto_for(session).wrapper
    ids = reserve_ids(session, DataKey, count)
    now = utcnow()
    rows = []
    for key_id in ids:
        raw = AESGCM.generate_key(bit_length=256)
        kek_version, wrapped = wrapper.wrap(raw)
        rows.append(
            {"id": key_id, "kek_version": kek_version, "wrapped_key": wrapped, "created_at": now}
        )
        cache_cipher(session, key_id, AESGCM(raw))
    insert_rows(session, DataKey, rows)
    return ids


def cipher_for(session: Session, key_id: int) -> AESGCM | None:
    """The AEAD for data key ``key_id``, or ``None`` when it was destroyed (shredded).

    Unwrapped once per session (one request or command) and cached on it; a missing key or
    one that does not unwrap raises ``DecryptionError``.
    """
    cache = data_key_cache(session)
    hit = cache.get(key_id)
    if hit is DESTROYED:
        return None
    if hit is not None:
        return hit
    if not 0 < key_id <= MAX_KEY_ID:  # the header has room for more than the column holds
        raise failure("missing-key")
    # Column select: always the row as committed now, even if an older copy is in the session.
    row = session.execute(
        select(DataKey.id, DataKey.kek_version, DataKey.wrapped_key, DataKey.destroyed_at).where(
            DataKey.id == key_id
        )
    ).one_or_none()
    if row is None:
        raise failure("missing-key")
    return _unwrap_into_cache(session, row)


def preload_data_keys(session: Session, key_ids: Iterable[int]) -> None:
    """Unwrap many data keys with one query per 500 (for lists), into the session's cache.

    Ids that do not exist are left out; reading with them raises ``missing-key`` later.
    """
    cache = data_key_cache(session)
    wanted = sorted({k for k in key_ids if k not in cache and 0 < k <= MAX_KEY_ID})
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(
                DataKey.id, DataKey.kek_version, DataKey.wrapped_key, DataKey.destroyed_at
            ).where(DataKey.id.in_(wanted[start : start + 500]))
        )
        for row in rows:
            _unwrap_into_cache(session, row)


def _unwrap_into_cache(session: Session, row: Row) -> AESGCM | None:
    cache = data_key_cache(session)
    if row.destroyed_at is not None or row.wrapped_key is None:
        cache[row.id] = DESTROYED
        return None
    try:
        raw = crypto_for(session).wrapper.unwrap(row.kek_version, row.wrapped_key)
    except Exception:
        raise failure("unwrap-failed") from None
    if len(raw) != KEY_BYTES:
        raise failure("unwrap-failed")
    cipher = AESGCM(raw)
    cache[row.id] = cipher
    return cipher


def destroy_data_key(session: Session, key_id: int) -> bool:
    """Crypto-shred: remove the wrapped key for good. False if it was already destroyed."""
    data_key = session.get(DataKey, key_id, with_for_update=True, populate_existing=True)
    if data_key is None:
        raise CryptoError("no such data key")
    cache_cipher(session, key_id, DESTROYED)
    if data_key.destroyed_at is not None:
        return False
    data_key.wrapped_key = None
    data_key.destroyed_at = utcnow()
    session.flush()
    return True


def _not_on_primary(primary: str):
    return (DataKey.destroyed_at.is_(None), DataKey.kek_version != primary)


def pending_rotation(session: Session) -> int:
    """How many live data keys are not yet wrapped by the primary master key."""
    primary = crypto_for(session).wrapper.primary_version
    return session.scalar(select(func.count(DataKey.id)).where(*_not_on_primary(primary))) or 0


def rewrap_batch(session: Session, actor: Actor, batch_size: int = 500) -> int:
    """Re-wrap up to ``batch_size`` data keys with the primary master key; 0 when done.

    Only the wrapping changes: the data keys themselves, and so every ciphertext, stay as
    they are. Rows are locked while re-wrapped, so a concurrent shred waits (or wins).
    """
    wrapper = crypto_for(session).wrapper
    primary = wrapper.primary_version
    batch = session.scalars(
        select(DataKey)
        .where(*_not_on_primary(primary))
        .order_by(DataKey.id)
        .limit(batch_size)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not batch:
        return 0
    for data_key in batch:
        try:
            raw = wrapper.unwrap(data_key.kek_version, data_key.wrapped_key or b"")
        except Exception:
            raise RotationError(
                f"data key {data_key.id} does not unwrap with master key version "
                f"{data_key.kek_version}; configure that version and run rotate again"
            ) from None
        kek_version, wrapped = wrapper.wrap(raw)
        if kek_version != primary:
            raise RotationError("the key wrapper did not wrap with its primary version")
        data_key.kek_version = kek_version
        data_key.wrapped_key = wrapped
    session.flush()
    record(
        session,
        actor,
        "keys.rotate",
        detail={"to_version": primary, "rewrapped": len(batch), "first_id": batch[0].id},
    )
    return len(batch)


@dataclass(frozen=True)
class KeyStatus:
    primary_version: str
    #: live (not destroyed) data keys per master-key version
    per_version: dict[str, int]
    destroyed: int

    @property
    def pending(self) -> int:
        return sum(n for v, n in self.per_version.items() if v != self.primary_version)


def key_status(session: Session) -> KeyStatus:
    rows = session.execute(
        select(DataKey.kek_version, func.count(DataKey.id))
        .where(DataKey.destroyed_at.is_(None))
        .group_by(DataKey.kek_version)
        .order_by(DataKey.kek_version)
    ).all()
    destroyed = session.scalar(
        select(func.count(DataKey.id)).where(DataKey.destroyed_at.is_not(None))
    )
    return KeyStatus(
        primary_version=crypto_for(session).wrapper.primary_version,
        per_version={version: int(count) for version, count in rows},
        destroyed=destroyed or 0,
    )
