"""The second factor: TOTP (RFC 6238) codes and single-use recovery codes.

Pure functions; ``portal.accounts.service`` applies them to accounts and writes the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "Ketenportaal"
STEP_SECONDS = 30
#: Accept the previous and next time step too: phones' clocks drift a little.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read and type
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def current_code(secret: str, now: datetime) -> str:
    return code_at(secret, time_step(now))


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``.

    A code already used (its step is not after the last accepted one) is refused: a code
    seen over a shoulder or in a proxy log cannot be played again.
    """
    code = normalise_code(code)
    if not _CODE.match(code):
        return None
    current = time_step(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def provisioning_uri(secret: str, account_label: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_label, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """A PNG data: URI (allowed by the CSP's img-src), so the page needs no script or style."""
    return segno.make(uri, error="m").png_data_uri(scale=5, border=4)


def grouped_secret(secret: str) -> str:
    """The manual key in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes of 16 characters (about 79 bits): random enough that a fast hash suffices."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (code or "").lower())


def recovery_code_hash(user_id: int, code: str) -> str:
    """SHA-256 over the user id and the normalised code.

    The codes are long random strings, not passwords, so a slow hash adds nothing but
    latency; binding the user id means a code only ever fits its own account.
    """
    normalised = normalise_recovery_code(code)
    return hashlib.sha256(f"{user_id}:{normalised}".encode()).hexdigest()
