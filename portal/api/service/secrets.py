"""Client secrets and access tokens: generated here, stored as digests, compared in constant
time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    """256 random bits, URL-safe: shown once to the admin who registers the client."""
    return secrets.token_urlsafe(32)


def new_client_id() -> str:
    return "kp-" + secrets.token_urlsafe(18)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def matches(stored: str | None, offered: str | None) -> bool:
    if not stored or not offered:
        return False
    return hmac.compare_digest(stored, digest(offered))
