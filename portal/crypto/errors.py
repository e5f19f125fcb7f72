"""The errors of the crypto layer: one clear type for every failure to decrypt.

The messages name a reason code only, never a value, a key or a ciphertext, so that they are
safe to log. Users see a translated error page (``portal.errors``), never the exception.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "unknown-format",  # not a ciphertext this code knows (wrong version byte, too short)
    "missing-key",  # the data key named in the ciphertext does not exist
    "unwrap-failed",  # the master key version is not configured, or it is the wrong key
    "tampered",  # the tag did not verify: changed bytes, or moved to another row/column
    "bad-plaintext",  # authentic, but not a value of the column's kind (a bug, not an attack)
    "no-session",  # the object is not attached to a session, so no key can be loaded
]


class CryptoError(Exception):
    """Base class of the crypto layer's errors."""


class DecryptionError(CryptoError):
    """A field could not be decrypted: wrong or missing key, or a tampered ciphertext.

    Never carries data. The error page shows a friendly message; logs record the reason only.
    """

    def __init__(self, reason: Reason) -> None:
        super().__init__(f"decryption failed ({reason})")
        self.reason: Reason = reason


class KeyUnavailable(CryptoError):
    """Encryption was asked for a row whose owner has no (live) data key: a programming error,
    or a write to a case whose key was shredded."""
