"""Reading the monthly arrears file from the corporation's rent administration.

The file is checked as a whole before anything is stored: an import is all-or-nothing, so
this module only parses and validates, and reports every bad row, column and reason.
Accepted: UTF-8 with or without BOM; ``;`` or ``,`` as delimiter (detected from the header);
header names in any case; dates as YYYY-MM-DD or DD-MM-YYYY; euro amounts with a decimal comma
or point (a single separator followed by three digits groups thousands: ``1.234`` is 1234).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from portal import numbers
from portal.forms import FIRST_YEAR, has_control_characters

REQUIRED = (
    "tenant_number",
    "bsn",
    "surname",
    "initials",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "arrears_amount",
    "arrears_months",
    "signal_date",
)
OPTIONAL = ("phone", "email")
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 100_000

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_NL_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$", re.ASCII)
_HOUSE_NUMBER = re.compile(r"^[1-9]\d{0,4}(?:[ -]?[A-Za-z0-9]{1,6})?$", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class FieldError(ValueError):
    """A value is not acceptable; the message is a translatable, data-free explanation."""


@dataclass(frozen=True, slots=True)
class SignalRow:
    """One valid row, normalised. Personal data: keep it in memory only until stored."""

    line: int
    tenant_number: str
    bsn: str
    surname: str
    initials: str
    birth_date: date
    street: str
    house_number: str
    postcode: str
    city: str
    arrears_cents: int
    arrears_months: int
    signal_date: date
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RowError:
    """Where and why; never the value itself (it may be personal data)."""

    line: int
    column: str
    reason: Any  # a lazy translated string

    def __str__(self) -> str:
        where = _l("regel %(line)s", line=self.line) if self.line else _l("bestand")
        return f"{where}, {self.column or '-'}: {self.reason}"


@dataclass
class ParseResult:
    rows: list[SignalRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_amount_cents(text: str) -> int:
    try:
        return numbers.parse_cents(text)
    except numbers.AmountError as exc:
        raise FieldError(exc.args[0]) from exc


def parse_date(text: str) -> date:
    value = text.strip()
    if m := _ISO_DATE.match(value):
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


def _text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = " ".join(text.split())
        if not value:
            raise FieldError(_l("verplicht veld is leeg"))
        if has_control_characters(value):
            raise FieldError(_l("bevat een onzichtbaar stuurteken"))
        if len(value) > limit:
            raise FieldError(_l("te lang"))
        return value

    return parse


def parse_house_number(text: str) -> str:
    value = text.strip()
    if not _HOUSE_NUMBER.match(value):
        raise FieldError(_l("geen geldig huisnummer (bijvoorbeeld 12 of 12A)"))
    return value.upper()


PARSERS: dict[str, Callable[[str], Any]] = {
    "tenant_number": _text(40),
    "bsn": parse_bsn,
    "surname": _text(120),
    "initials": _text(20),
    "birth_date": parse_date,
    "street": _text(120),
    "house_number": parse_house_number,
    "postcode": parse_postcode,
    "city": _text(80),
    "arrears_amount": parse_amount_cents,
    "arrears_months": parse_months,
    "signal_date": parse_date,
    "phone": parse_phone,
    "email": parse_email,
}


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8")


def _delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def parse(data: bytes, today: date | None = None) -> ParseResult:
    """Parse and validate a whole file; never raises for bad content."""
    result = ParseResult()
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        result.errors.append(RowError(0, "", _l("het bestand is geen UTF-8-tekst")))
        return result
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        result.errors.append(RowError(0, "", _l("het bestand is leeg of heeft geen kopregel")))
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error:
        result.errors.append(RowError(1, "", _l("de kopregel is geen geldige CSV")))
        return result
    missing = [c for c in REQUIRED if c not in header]
    for column in missing:
        result.errors.append(RowError(1, column, _l("kolom ontbreekt in de kopregel")))
    duplicates = {h for h in header if header.count(h) > 1 and h}
    for column in sorted(duplicates):
        result.errors.append(RowError(1, column, _l("kolom staat twee keer in de kopregel")))
    if missing or duplicates:
        return result
    result.ignored_columns = [h for h in header if h not in COLUMNS]
    index = {name: header.index(name) for name in COLUMNS if name in header}

    seen_bsn: dict[str, int] = {}
    today = today or date.today()  # noqa: DTZ011 - a calendar date in the Dutch sense
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(result.rows) + len(result.errors) >= MAX_ROWS:
                result.errors.append(RowError(line, "", _l("te veel regels in één bestand")))
                break
            if len(record) != len(header):
                result.errors.append(
                    RowError(line, "", _l("aantal kolommen klopt niet met de kopregel"))
                )
                continue
            values: dict[str, Any] = {}
            row_ok = True
            for name, position in index.items():
                try:
                    values[name] = PARSERS[name](record[position])
                except FieldError as exc:
                    result.errors.append(RowError(line, name, exc.args[0]))
                    row_ok = False
            if not row_ok:
                continue
            for name in ("birth_date", "signal_date"):
                if values[name] > today:
                    result.errors.append(RowError(line, name, _l("deze datum ligt in de toekomst")))
                    row_ok = False
            if values["bsn"] in seen_bsn:
                result.errors.append(
                    RowError(
                        line,
                        "bsn",
                        _l("dit BSN staat al op regel %(line)s", line=seen_bsn[values["bsn"]]),
                    )
                )
                row_ok = False
            if not row_ok:
                continue
            seen_bsn[values["bsn"]] = line
            result.rows.append(
                SignalRow(
                    line=line,
                    tenant_number=values["tenant_number"],
                    bsn=values["bsn"],
                    surname=values["surname"],
                    initials=values["initials"],
                    birth_date=values["birth_date"],
                    street=values["street"],
                    house_number=values["house_number"],
                    postcode=values["postcode"],
                    city=values["city"],
                    arrears_cents=values["arrears_amount"],
                    arrears_months=values["arrears_months"],
                    signal_date=values["signal_date"],
                    phone=values.get("phone"),
                    email=values.get("email"),
                )
            )
    except csv.Error:
        result.errors.append(RowError(reader.line_num, "", _l("deze regel is geen geldige CSV")))
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "", _l("het bestand bevat geen signalen")))
    return result
