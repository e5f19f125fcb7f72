"""Blind indexes: exact look-ups on encrypted fields without decrypting any row.

A value is first normalised (so "1234 ab" and "1234AB" match), then HMAC-SHA256'd with a key
derived for that field alone from the index key (``KP_INDEX_KEY``), and truncated to
``DIGEST_BYTES``. Equal values give equal digests; without the index key a digest says
nothing. Truncation and its false-positive rate: docs/keys.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from portal.crypto.context import CryptoState, crypto_for

#: 64 bits: about one false candidate in 1.8e13 look-ups per million indexed values.
DIGEST_BYTES = 8


def normalise_bsn(value: str) -> str:
    """Nine digits that pass the elfproef; spaces, dots and dashes are dropped."""
    try:
        return stdnum_bsn.validate(value)
    except ValidationError:
        raise ValueError("not a valid BSN") from None


def normalise_postcode(value: str) -> str:
    """``1234AB``: upper case, without space."""
    try:
        return stdnum_postcode.compact(stdnum_postcode.validate(value))
    except ValidationError:
        raise ValueError("not a Dutch postcode") from None


def normalise_house_number(value: str) -> str:
    """Number and addition, upper case without spaces: ``12 a`` -> ``12A``, ``3-hs`` -> ``3-HS``."""
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[0-9]{1,5}(?:[-/]?[A-Z0-9]{1,6})?", compact):
        raise ValueError("not a house number")
    return compact


def normalise_address(postcode: str, house_number: str) -> str:
    return join_normalised(normalise_postcode(postcode), normalise_house_number(house_number))


def join_normalised(*values: str) -> str:
    """The indexed form of an index's source values that are each already in their own
    field's normal form (``1234AB`` and ``12A`` make the address ``1234AB|12A``)."""
    return "|".join(values)


def normalise_email(value: str) -> str:
    """Lower case and trimmed; one ``@`` with something on both sides."""
    compact = value.strip().lower()
    local, at, domain = compact.partition("@")
    if not at or not local or "." not in domain or "@" in domain or re.search(r"\s", compact):
        raise ValueError("not an e-mail address")
    return compact


def normalise_phone(value: str, region: str = "NL") -> str:
    """E.164 (``+31612345678``); national numbers are read as Dutch."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


#: index field -> normaliser of its source values (in the order the model names them)
NORMALISERS: dict[str, Callable[..., str]] = {
    "bsn": normalise_bsn,
    "address": normalise_address,
    "email": normalise_email,
    "phone": normalise_phone,
}


def normalise(index_field: str, *values: str) -> str:
    """The canonical form of ``values`` for ``index_field``; ValueError if it has none."""
    return NORMALISERS[index_field](*values)


def digest(state: CryptoState, index_field: str, normalised: str) -> str:
    """Hex of the truncated HMAC-SHA256 of an already normalised value."""
    mac = state.index_mac_for(index_field).copy()
    mac.update(normalised.encode("utf-8"))
    return mac.finalize()[:DIGEST_BYTES].hex()


def blind_digest(session: Session, index_field: str, *values: str) -> str:
    """Normalise and digest: what a look-up searches for. ValueError for invalid input."""
    return digest(crypto_for(session), index_field, normalise(index_field, *values))
