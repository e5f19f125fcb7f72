"""One cell of the monthly file: read, normalised, or refused with a reason in words.

Every parser takes the cell's text and returns the value the case stores, or raises
``FieldError`` whose message is translatable and holds no data. ``shown`` makes a refused
value fit to show in the report (which shows it only for columns without personal data).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from portal import numbers
from portal.forms import FIRST_YEAR, has_control_characters

#: The highest arrears one household's signal can carry: far above any real rent arrears
#: (a hundred months of a high rent), so a larger figure is a column mix-up or a typing error.
MAX_ARREARS_EUROS = 100_000
MAX_ARREARS_CENTS = MAX_ARREARS_EUROS * 100
#: Characters no name or address has and that change how text looks or is read: control
#: characters (NUL, ESC, tab...), bidirectional embeddings, overrides and isolates (U+202A-
#: U+202E, U+2066-U+2069: "U+202E" turns the rest of a line around), zero-width spaces and
#: joiners (U+200B-U+200D), direction marks, the soft hyphen, line and paragraph separators
#: and a byte-order mark (U+FEFF) inside a value. A fixed class, not ``unicodedata`` per
#: character, so 10,000 rows are checked in a few milliseconds.
INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
#: Most characters of a refused value the report shows.
SHOWN_MAX = 40

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_NL_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$", re.ASCII)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_HOUSE_NUMBER = re.compile(r"^[1-9]\d{0,4}(?:[ -]?[A-Za-z0-9]{1,6})?$", re.ASCII)
#: The VNG model's Huisnummer (AN5) and Huisnummertoevoeging (AN4).
_VNG_HOUSE_NUMBER = re.compile(r"^[1-9]\d{0,4}$", re.ASCII)
_VNG_ADDITION = re.compile(r"^[A-Za-z0-9]{1,4}$", re.ASCII)
_PREFIX = re.compile(r"^[^\W\d_]+(?:[ '’-]+[^\W\d_]*)*$|^['’][^\W\d_]+(?: [^\W\d_]+)*$")
_SPLIT_HOUSE_NUMBER = re.compile(r"^(\d+)[ /-]?(.*)$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class FieldError(ValueError):
    """A value is not acceptable; the message is a translatable, data-free explanation."""


def shown(value: str) -> str:
    """A refused value as the report shows it: invisible characters written out as
    ``[U+202E]``, at most ``SHOWN_MAX`` characters in all (``…`` where it was cut; around
    the first invisible one if that lies further on), so the sender can find it in their
    file and nothing in it can turn the page's text around."""
    start = 0
    first = INVISIBLE.search(value)
    if first is not None and first.start() > SHOWN_MAX - 10:
        start = first.start() - 10
    out = "…" if start else ""
    for position in range(start, len(value)):
        char = value[position]
        part = f"[U+{ord(char):04X}]" if INVISIBLE.match(char) else char
        room = SHOWN_MAX if position == len(value) - 1 else SHOWN_MAX - 1  # room for "…"
        if len(out) + len(part) > room:
            return out + "…"
        out += part
    return out


def parse_amount_cents(text: str) -> int:
    try:  # a spreadsheet may put a no-break space after the euro sign
        cents = numbers.parse_cents(text.replace("\xa0", " "))
    except numbers.AmountError as exc:
        raise FieldError(exc.args[0]) from exc
    return cents


def parse_arrears(text: str) -> int:
    """An amount of arrears: more than nothing, and not beyond belief."""
    cents = parse_amount_cents(text)
    if cents <= 0:
        raise FieldError(_l("het bedrag moet groter zijn dan 0"))
    if cents > MAX_ARREARS_CENTS:
        raise FieldError(
            _l(
                "het bedrag is hoger dan € %(max)s; klopt de kolom?",
                max=f"{MAX_ARREARS_EUROS:,}".replace(",", "."),
            )
        )
    return cents


def parse_date(text: str) -> date:
    """YYYY-MM-DD, DD-MM-YYYY (also D-M-YYYY, with / or ., as a Dutch spreadsheet writes
    it) or YYYYMMDD (as the BRP and the VNG model's exports do)."""
    value = text.strip()
    if m := _ISO_DATE.match(value) or _COMPACT_DATE.match(value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _NL_DATE.match(value):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        raise FieldError(_l("geen datum in de vorm JJJJ-MM-DD of DD-MM-JJJJ"))
    try:
        parsed = date(year, month, day)
    except ValueError as exc:
        raise FieldError(_l("deze datum bestaat niet")) from exc
    if year < FIRST_YEAR:
        raise FieldError(_l("deze datum ligt voor %(year)s", year=FIRST_YEAR))
    return parsed


def parse_bsn(text: str) -> str:
    try:
        return stdnum_bsn.validate(text.strip())
    except StdnumError as exc:
        raise FieldError(_l("geen geldig BSN (elfproef klopt niet of lengte is fout)")) from exc


def parse_postcode(text: str) -> str:
    try:
        return stdnum_postcode.validate(text.strip()).replace(" ", "")
    except StdnumError as exc:
        raise FieldError(_l("geen geldige postcode (bijvoorbeeld 1234 AB)")) from exc


def parse_months(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 3:
        raise FieldError(_l("geen heel getal van 0 of meer"))
    return int(value)


def parse_optional_months(text: str) -> int | None:
    return parse_months(text) if text.strip() else None


def parse_phone(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException as exc:
        raise FieldError(_l("geen geldig telefoonnummer")) from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldError(_l("geen geldig telefoonnummer"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if not _EMAIL.match(value) or len(value) > 254 or has_control_characters(value):
        raise FieldError(_l("geen geldig e-mailadres"))
    return value.lower()


def free_text(limit: int, *, name: bool = True, optional: bool = False) -> Callable[[str], Any]:
    """Free text such as a name or a street: no invisible characters, spaces tidied, in
    Unicode's composed form (``u`` + combining diaeresis from a Mac becomes ``ü``).

    ``name``: also refuse a question mark or U+FFFD where a letter should be, which is what
    a spreadsheet writes for a letter its encoding lacks (``Ĳssel`` saved as Windows-1252).
    """

    def parse(text: str) -> str | None:
        if INVISIBLE.search(text):
            raise FieldError(_l("bevat een onzichtbaar stuurteken"))
        value = " ".join(text.split())
        if not value:
            if optional:
                return None
            raise FieldError(_l("verplicht veld is leeg"))
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
            if name and "\ufffd" in value:
                raise FieldError(_LOST_LETTER)
        if name and "?" in value:
            raise FieldError(_LOST_LETTER)
        if len(value) > limit:
            raise FieldError(_l("te lang (ten hoogste %(limit)s tekens)", limit=limit))
        return value

    return parse


_LOST_LETTER = _l(
    "bevat een vraagteken waar een letter hoort: die letter ging verloren bij het opslaan; "
    "sla het bestand op als CSV UTF-8"
)


_PREFIX_TEXT = free_text(10, optional=True)


def parse_house_number(text: str) -> str:
    value = text.strip()
    if not _HOUSE_NUMBER.match(value):
        raise FieldError(_l("geen geldig huisnummer (bijvoorbeeld 12 of 12A)"))
    return value.upper()


def parse_vng_house_number(text: str) -> str:
    """The model's Huisnummer: digits only, at most five (AN5)."""
    value = text.strip()
    if not _VNG_HOUSE_NUMBER.match(value):
        raise FieldError(_l("geen geldig huisnummer (1 tot 5 cijfers, zonder toevoeging)"))
    return value


def parse_addition(text: str) -> str | None:
    """The model's Huisnummertoevoeging: at most four letters or digits (AN4), may be empty."""
    value = text.strip()
    if not value:
        return None
    if value[0] in "-/":
        value = value[1:].strip()
    if not _VNG_ADDITION.match(value):
        raise FieldError(_l("geen geldige toevoeging (ten hoogste 4 letters of cijfers)"))
    return value.upper()


def parse_prefix(text: str) -> str | None:
    """The model's Voorvoegsel (``van der``, ``'t``), kept in the tenant's own spelling."""
    value = _PREFIX_TEXT(text)
    if value is not None and not _PREFIX.match(value):
        raise FieldError(_l("geen voorvoegsel (bijvoorbeeld van der)"))
    return value


def join_house_number(number: str, addition: str | None) -> str:
    """Huisnummer and Huisnummertoevoeging as the case stores them, so both can be taken
    apart again (``split_house_number``): a single letter follows the number (``12A``),
    anything else after a hyphen (``12-HS``, ``12-1``: ``121`` would be another house)."""
    if not addition:
        return number
    if len(addition) == 1 and addition.isalpha():
        return number + addition
    return f"{number}-{addition}"


def split_house_number(value: str) -> tuple[str, str | None]:
    """A stored house number as the model's Huisnummer and Huisnummertoevoeging:
    ``12A`` -> ``("12", "A")``, ``12-HS`` -> ``("12", "HS")``, ``7`` -> ``("7", None)``.

    The number is the leading digits, the addition what follows after at most one space,
    hyphen or slash: the inverse of ``join_house_number`` and right for every house number
    the intake form or today's file columns store (``12 a`` is stored as ``12A``)."""
    m = _SPLIT_HOUSE_NUMBER.match(value.strip())
    if m is None:
        return value.strip(), None
    return m[1], (m[2].upper() or None)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``: a month is complete on the same day of the
    month (on the last day of a shorter month, when ``start`` is the 29th-31st).
    1 September -> 15 November is 2; 31 January -> 28 February is 1."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and not _last_day(end):
        months -= 1
    return max(months, 0)


def _last_day(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month
