"""Where the crypto layer finds its keys: on the SQLAlchemy session.

``portal.crypto.init_app`` puts the app's ``CryptoState`` (master-key wrapper and index key)
into every session's ``info``, so services and ORM events find the keys from the session they
already have, without touching Flask globals. Unwrapped data keys are cached on the session
too, and the session lives for one application context (one request, one CLI command); the
cache is also wiped explicitly at teardown (``clear_data_key_cache``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from portal.crypto.keyring import KeyWrapper

STATE_KEY = "kp_crypto"
CACHE_KEY = "kp_data_keys"

#: Sentinel cached for a data key that was destroyed (crypto-shredded).
DESTROYED = object()


@dataclass
class CryptoState:
    """The keys one application uses. Holds no data keys: those live on sessions."""

    wrapper: KeyWrapper
    index_key: bytes = field(repr=False)
    _field_keys: dict[str, bytes] = field(default_factory=dict, repr=False)
    _field_macs: dict[str, HMAC] = field(default_factory=dict, repr=False)

    def index_key_for(self, index_field: str) -> bytes:
        """A separate HMAC key per indexed field (HKDF-SHA256 from the index key)."""
        key = self._field_keys.get(index_field)
        if key is None:
            key = HKDF(
                algorithm=SHA256(),
                length=32,
                salt=hashlib.sha256(b"ketenportaal blind index").digest(),
                info=b"ketenportaal/blind-index/v1/" + index_field.encode(),
            ).derive(self.index_key)
            self._field_keys[index_field] = key
        return key

    def index_mac_for(self, index_field: str) -> HMAC:
        """An HMAC-SHA256 under ``index_field``'s key that is never fed itself: ``copy()`` it
        for each value, so the key is set up once per field instead of once per digest."""
        mac = self._field_macs.get(index_field)
        if mac is None:
            mac = HMAC(self.index_key_for(index_field), SHA256())
            self._field_macs[index_field] = mac
        return mac


def crypto_for(session: Session) -> CryptoState:
    state = session.info.get(STATE_KEY)
    if state is None and has_app_context():
        state = current_app.extensions.get(STATE_KEY)
    if state is None:
        raise RuntimeError("no crypto state: create the app (or pass info={'kp_crypto': ...})")
    return state


def data_key_cache(session: Session) -> dict[int, Any]:
    """data key id -> ``AESGCM`` (or ``DESTROYED``), for this session only."""
    return session.info.setdefault(CACHE_KEY, {})


def cache_cipher(session: Session, key_id: int, cipher: AESGCM | object) -> None:
    data_key_cache(session)[key_id] = cipher


def clear_data_key_cache(session: Session) -> None:
    session.info.pop(CACHE_KEY, None)
