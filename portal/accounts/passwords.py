"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's advice).

Full strength everywhere but under the test configuration (``KP_ENV=testing``): there one
full-strength hash costs most of a second, and the suite creates hundreds of users. The
parameters live in each hash, so verifying works whichever way a hash was made, and a cheap
hash met outside testing is upgraded at the next sign-in (``needs_rehash``).
"""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_STRONG = PasswordHasher()
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("KP_ENV") == "testing":
        return _CHEAP
    return _STRONG


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
