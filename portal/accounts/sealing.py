"""Sealing small credentials (TOTP secrets) at rest, without the field-encryption keyring.

A 256-bit key is derived from ``SECRET_KEY`` with HKDF-SHA256 for one purpose only, and the
value is encrypted with AES-GCM; the associated data binds each ciphertext to its place (for
example ``user_account.totp_secret:42``), so a sealed value cannot be copied to another row.
Changing ``SECRET_KEY`` makes sealed values unreadable: those users enrol MFA again.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "s1"
_INFO = b"ketenportaal/sealing/v1"


class SealError(ValueError):
    """The sealed value is damaged, belongs elsewhere, or was sealed under another key."""


def derive_key(secret_key: str | bytes) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)


def seal(secret_key: str | bytes, plaintext: str, aad: str) -> str:
    nonce = os.urandom(12)
    ciphertext = AESGCM(derive_key(secret_key)).encrypt(nonce, plaintext.encode(), aad.encode())
    return VERSION + ":" + base64.urlsafe_b64encode(nonce + ciphertext).decode().rstrip("=")


def unseal(secret_key: str | bytes, sealed: str, aad: str) -> str:
    version, _, data = sealed.partition(":")
    if version != VERSION or not data:
        raise SealError("unknown sealed format")
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except ValueError as exc:
        raise SealError("malformed sealed value") from exc
    if len(raw) < 12 + 16 or base64.urlsafe_b64encode(raw).decode().rstrip("=") != data:
        # Only the canonical encoding: no two strings may stand for one sealed value.
        raise SealError("malformed sealed value")
    try:
        plaintext = AESGCM(derive_key(secret_key)).decrypt(raw[:12], raw[12:], aad.encode())
    except InvalidTag as exc:
        raise SealError("sealed value does not open") from exc
    return plaintext.decode()
