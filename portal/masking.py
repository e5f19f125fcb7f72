"""Masked e-mail addresses and phone numbers, for places that must not hold the real one.

The development mail and SMS sinks write files a developer reads; those files are outside
the encrypted database and nothing erases them, so they show only enough to tell messages
apart (``j***@e***.nl``, ``06******78``), never the address or number itself.
"""

from __future__ import annotations

HIDDEN = "***"


def mask_email(address: str) -> str:
    """``jan.jansen@example.nl`` -> ``j***@e***.nl``: first letters and the top-level domain."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        return HIDDEN
    name, dot, tld = domain.rpartition(".")
    masked_domain = f"{name[0]}{HIDDEN}.{tld}" if dot and name else f"{domain[0]}{HIDDEN}"
    return f"{local[0]}{HIDDEN}@{masked_domain}"


def mask_phone(number: str) -> str:
    """``06 12345678`` -> ``06******78``: the first two and the last two digits.

    Numbers shorter than six digits show none: two and two would be most of the number.
    """
    digits = "".join(c for c in number if c.isdigit())
    plus = "+" if number.strip().startswith("+") else ""
    if len(digits) < 6:
        return plus + "*" * len(digits) if digits else HIDDEN
    return plus + digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
