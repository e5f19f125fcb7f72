"""The ciphertext format and value encodings of encrypted fields (AES-256-GCM).

A sealed field is ``version (1 byte) || data key id (8 bytes, big-endian) || nonce (12 bytes)
|| ciphertext || tag (16 bytes)``. The AAD is the header (version and key id) followed by the
row context ``table|column|row uid``, so a ciphertext copied to another row or column, or
relabelled with another data key, fails to verify. Pure functions: no database, no Flask.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.crypto.errors import DecryptionError, Reason

log = logging.getLogger("portal.crypto")

Kind = Literal["str", "date", "money", "json", "bytes"]
#: "bytes" is a file as uploaded (an attachment): stored as it came, never decoded.
KINDS: tuple[Kind, ...] = ("str", "date", "money", "json", "bytes")

FORMAT_V1 = 1
HEADER = struct.Struct(">BQ")
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = HEADER.size + NONCE_BYTES + TAG_BYTES
_MONEY = struct.Struct(">q")


def failure(reason: Reason) -> DecryptionError:
    """The one error for every failure, logged here with its reason only, never data."""
    log.warning("decryption failed", extra={"event": "decryption_failed", "error": reason})
    return DecryptionError(reason)


def row_context(table: str, column: str, row_uid: uuid.UUID) -> bytes:
    """The AAD part naming where a ciphertext belongs (identifiers cannot contain ``|``)."""
    return f"{table}|{column}|".encode() + row_uid.bytes


def seal(cipher: AESGCM, key_id: int, plaintext: bytes, context: bytes) -> bytes:
    header = HEADER.pack(FORMAT_V1, key_id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + cipher.encrypt(nonce, plaintext, header + context)


def seal_many(cipher: AESGCM, key_id: int, items: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
    """``seal`` for several ``(plaintext, context)`` pairs under one data key (the fields of
    one row, in bulk imports): the same format, each with its own random nonce; the header
    is packed once and the nonces come from the OS in one call instead of one each."""
    header = HEADER.pack(FORMAT_V1, key_id)
    nonces = os.urandom(NONCE_BYTES * len(items))
    sealed = []
    for start, (plaintext, context) in zip(range(0, len(nonces), NONCE_BYTES), items, strict=True):
        nonce = nonces[start : start + NONCE_BYTES]
        sealed.append(header + nonce + cipher.encrypt(nonce, plaintext, header + context))
    return sealed


def key_id_of(blob: bytes) -> int:
    """The data key a ciphertext names; ``unknown-format`` if it is not one of ours."""
    if len(blob) < OVERHEAD:
        raise failure("unknown-format")
    version, key_id = HEADER.unpack_from(blob)
    if version != FORMAT_V1:
        raise failure("unknown-format")
    return key_id


def unseal(cipher: AESGCM, blob: bytes, context: bytes) -> bytes:
    key_id_of(blob)
    header = blob[: HEADER.size]
    nonce = blob[HEADER.size : HEADER.size + NONCE_BYTES]
    try:
        return cipher.decrypt(nonce, blob[HEADER.size + NONCE_BYTES :], header + context)
    except InvalidTag:
        raise failure("tampered") from None


# --- value kinds -------------------------------------------------------------------------------


def encode_value(kind: Kind, value: Any) -> bytes:
    """Plaintext bytes for a value of ``kind``; TypeError/ValueError for anything else.

    Money is integer cents in a fixed 8 bytes, so the ciphertext does not reveal its size.
    """
    if kind == "str":
        if not isinstance(value, str):
            raise TypeError("expected a string")
        return value.encode("utf-8")
    if kind == "bytes":
        if not isinstance(value, bytes):
            raise TypeError("expected bytes")
        return value
    if kind == "date":
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError("expected a date")
        return value.isoformat().encode("ascii")
    if kind == "money":
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("expected whole cents (int)")
        try:
            return _MONEY.pack(value)
        except struct.error:
            raise ValueError("amount out of range") from None
    if kind == "json":
        if type(value) is int:  # a count (months), the common case: what json.dumps writes
            return str(value).encode("ascii")
        data = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
        if json.loads(data) != value:
            raise ValueError("not a plain JSON value (tuples or non-string keys do not survive)")
        return data
    raise ValueError(f"unknown kind {kind!r}")


def decode_value(kind: Kind, data: bytes) -> Any:
    if kind == "str":
        return data.decode("utf-8")
    if kind == "bytes":
        return data
    if kind == "date":
        return date.fromisoformat(data.decode("ascii"))
    if kind == "money":
        if len(data) != _MONEY.size:
            raise ValueError("not an amount")
        return _MONEY.unpack(data)[0]
    if kind == "json":
        return json.loads(data)
    raise ValueError(f"unknown kind {kind!r}")
