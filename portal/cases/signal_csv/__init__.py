"""Reading the monthly arrears file from the corporation's rent administration.

The file is checked as a whole before anything is stored: an import is all-or-nothing, so
this package only parses and validates, and reports every bad row, column and reason.

- **Columns** (``columns``): today's (``tenant_number``, ``bsn``, ``surname``...) or the VNG
  model's (``Burgerservicenummer``, ``Voorvoegsel``, ``Achternaam``, ``Huisnummer``,
  ``Huisnummertoevoeging``, ``bedrag``, ``ontstaansdatum``, ``signaaldatum``...), matched by
  name whatever the case, spaces or underscores. Voorvoegsel and Achternaam become the
  surname as the tenant writes it (``van der Berg``); Huisnummer and Huisnummertoevoeging the
  house number (``12A``, ``12-HS``; ``values.split_house_number`` takes them apart again);
  ontstaansdatum the case's ``arrears_since``; without an ``arrears_months`` column the
  months overdue are the whole months from ontstaansdatum to signaaldatum
  (``values.months_between``).
- **Encodings** (``encoding``): UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252 and
  so ISO-8859-1; anything else is refused with how to save the file as CSV UTF-8.
- ``;`` or ``,`` as delimiter (detected from the header); dates as YYYY-MM-DD, DD-MM-YYYY or
  YYYYMMDD; euro amounts with a decimal comma or point (a single separator followed by three
  digits groups thousands: ``1.234`` is 1234).
- **Values no real signal has** are refused per row and column (``docs/monthly-file.md``
  lists the rules). A ``RowError`` carries the refused value as ``shown`` (invisible
  characters written out, at most 40 characters), but never the value of a column with
  personal data (``PERSONAL``: BSN, names, birth date, address, phone, e-mail, tenant
  number): for those the report says only that it is invalid, since the job's row that
  keeps the report is not encrypted. It also carries the row's tenant number, the
  corporation's own reference to find the row by; that is personal data too (the case
  keeps it encrypted), so it is for the report on the upload page only: ``stored()`` leaves
  it out and ``str`` (what the CLI prints and a log could see) gives where and why only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.cases.signal_csv.columns import TODAY, VNG, ColumnSet, Layout, read_header
from portal.cases.signal_csv.encoding import EncodingRefused, decode
from portal.cases.signal_csv.values import (
    FieldError,
    free_text,
    join_house_number,
    months_between,
    parse_addition,
    parse_amount_cents,
    parse_arrears,
    parse_bsn,
    parse_date,
    parse_email,
    parse_house_number,
    parse_months,
    parse_optional_months,
    parse_phone,
    parse_postcode,
    parse_prefix,
    parse_vng_house_number,
    shown,
    split_house_number,
)
from portal.workdays import local_today

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "OPTIONAL",
    "PERSONAL",
    "REQUIRED",
    "TODAY",
    "VNG",
    "ColumnSet",
    "FieldError",
    "ParseResult",
    "RowError",
    "SignalRow",
    "parse",
    "parse_amount_cents",
    "parse_date",
    "shown",
    "split_house_number",
]

#: Today's columns (the upload page lists both sets from ``TODAY`` and ``VNG``).
REQUIRED = TODAY.required
OPTIONAL = TODAY.optional
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 100_000
#: A signal date may lie this many days ahead (a file made on the last working day before
#: the first of the month, dated the first; and the UTC date lagging the Dutch one at night).
DAYS_AHEAD = 3
#: A signal older than this is no signal any more: last year's file sent again.
DAYS_BACK = 365
#: The most months overdue the case records (``portal.cases.service.check_months``).
MAX_MONTHS = 999
#: Columns (by holding name) with personal data: a refused value of theirs is never shown or
#: stored, the report says only that it is invalid. What is left: amounts, months and the
#: signal's dates, which say nothing about who the row is.
PERSONAL = frozenset(
    {
        "tenant_number",
        "bsn",
        "surname",
        "prefix",
        "initials",
        "birth_date",
        "street",
        "house_number",
        "addition",
        "postcode",
        "city",
        "phone",
        "email",
    }
)


@dataclass(frozen=True, slots=True)
class SignalRow:
    """One valid row, normalised. Personal data: keep it in memory only until stored."""

    line: int
    tenant_number: str | None
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
    #: ontstaansdatum, when the file has it (else the intake derives it from the months).
    arrears_since: date | None = None

    def __repr__(self) -> str:
        return f"<SignalRow line={self.line}>"


@dataclass(frozen=True)
class RowError:
    """Where and why, the refused value unless it is personal data, and the row's tenant
    number.

    ``str`` gives where and why only: that is what the CLI prints and a log could ever see.
    ``value`` (passed through ``shown``) is None for a column in ``PERSONAL`` (``personal``
    is then set: the report says the value is invalid, not what it is). ``tenant_number``
    (``shown``) is personal data: for the report on the upload page, to the person who sent
    the file, and nowhere else; ``stored()`` leaves it out.
    """

    line: int
    column: str
    reason: Any  # a lazy translated string
    value: str | None = field(default=None, repr=False)
    personal: bool = False
    tenant_number: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        where = _l("regel %(line)s", line=self.line) if self.line else _l("bestand")
        return f"{where}, {self.column or '-'}: {self.reason}"

    def stored(self) -> dict[str, Any]:
        """The error as the job's row keeps it (unencrypted): where, why and the value of a
        column without personal data; never the tenant number."""
        return {
            "line": self.line,
            "column": self.column,
            "reason": str(self.reason),
            "value": self.value,
            "personal": self.personal,
        }


def _cell_error(
    line: int, column: str, held: str, raw: str, reason: Any, tenant: str | None
) -> RowError:
    """A refused cell: its value shown unless the column holds personal data."""
    if held in PERSONAL:
        return RowError(line, column, reason, None, True, tenant)
    return RowError(line, column, reason, shown(raw), False, tenant)


@dataclass
class ParseResult:
    rows: list[SignalRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    #: The encoding the file was read in (``UTF-8``, ``UTF-16``, ``Windows-1252``).
    encoding: str | None = None
    #: ``today`` or ``vng``: which column set the header used.
    column_set: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


PARSERS: dict[str, Any] = {
    "tenant_number": free_text(40, name=False),
    "bsn": parse_bsn,
    "surname": free_text(120),
    "initials": free_text(20),
    "birth_date": parse_date,
    "street": free_text(120),
    "house_number": parse_house_number,
    "postcode": parse_postcode,
    "city": free_text(80),
    "arrears_amount": parse_arrears,
    "arrears_months": parse_months,
    "signal_date": parse_date,
    "phone": parse_phone,
    "email": parse_email,
}
#: The VNG set: the model's field lengths, and what it may leave empty.
VNG_PARSERS: dict[str, Any] = {
    **PARSERS,
    "tenant_number": free_text(40, name=False, optional=True),
    "surname": free_text(120),
    "prefix": parse_prefix,
    "house_number": parse_vng_house_number,
    "addition": parse_addition,
    "arrears_months": parse_optional_months,
    "arrears_since": parse_date,
}


def _delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def parse(data: bytes, today: date | None = None) -> ParseResult:
    """Parse and validate a whole file; never raises for bad content."""
    result = ParseResult()
    try:
        text, result.encoding = decode(data)
    except EncodingRefused as exc:
        result.errors.append(RowError(0, "", exc.args[0]))
        return result
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if not first.strip():
        result.errors.append(RowError(0, "", _l("het bestand is leeg of heeft geen kopregel")))
        return result
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=_delimiter(first))
    try:
        layout = read_header(next(reader))
    except (csv.Error, StopIteration):
        result.errors.append(RowError(1, "", _l("de kopregel is geen geldige CSV")))
        return result
    result.column_set = layout.columns.name
    if layout.problems:
        result.errors += [RowError(1, column, reason) for column, reason in layout.problems]
        return result
    result.ignored_columns = layout.ignored
    _rows(reader, layout, result, today or local_today())
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "", _l("het bestand bevat geen signalen")))
    return result


def _rows(reader: Any, layout: Layout, result: ParseResult, today: date) -> None:
    vng = layout.columns is VNG
    parsers = VNG_PARSERS if vng else PARSERS
    cells = [
        (held, position, doc, parsers[held]) for held, (position, doc) in layout.positions.items()
    ]
    seen_bsn: dict[str, int] = {}
    tenant_at = (
        layout.positions["tenant_number"][0] if "tenant_number" in layout.positions else None
    )
    newest, oldest = today + timedelta(days=DAYS_AHEAD), today - timedelta(days=DAYS_BACK)
    errors = result.errors
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(result.rows) + len(errors) >= MAX_ROWS:
                errors.append(RowError(line, "", _l("te veel regels in één bestand")))
                break
            if len(record) != layout.width:
                errors.append(RowError(line, "", _l("aantal kolommen klopt niet met de kopregel")))
                continue
            values: dict[str, Any] = {}
            bad: set[str] = set()
            # The row's tenant number, as typed: how the sender finds the row in their system.
            typed = record[tenant_at].strip() if tenant_at is not None else ""
            tenant = shown(typed) if typed else None
            for held, position, doc, parser in cells:
                try:
                    values[held] = parser(record[position])
                except FieldError as exc:
                    errors.append(
                        _cell_error(line, doc, held, record[position], exc.args[0], tenant)
                    )
                    bad.add(held)
            refuse = partial(_refuse, errors, layout, record, line, bad, tenant)

            birth, signal = values.get("birth_date"), values.get("signal_date")
            if birth is not None and birth > today:
                refuse("birth_date", _l("deze datum ligt in de toekomst"))
            if signal is not None and signal > newest:
                refuse(
                    "signal_date",
                    _l("deze datum ligt meer dan %(days)s dagen in de toekomst", days=DAYS_AHEAD),
                )
            elif signal is not None and signal < oldest:
                refuse("signal_date", _l("deze datum ligt meer dan een jaar terug"))
            since = values.get("arrears_since")
            if since is not None and since > today:
                refuse("arrears_since", _l("deze datum ligt in de toekomst"))
            elif since is not None and signal is not None and since > signal:
                refuse("arrears_since", _l("deze datum ligt na de signaaldatum"))
            elif since is not None and signal is not None and values.get("arrears_months") is None:
                values["arrears_months"] = months_between(since, signal)
                if values["arrears_months"] > MAX_MONTHS:
                    refuse("arrears_since", _l("deze datum ligt te ver terug"))
            if vng and not bad:
                _join_vng(values, refuse)
            bsn = values.get("bsn")
            if bsn is not None and bsn in seen_bsn:
                refuse("bsn", _l("dit BSN staat al op regel %(line)s", line=seen_bsn[bsn]))
            if bad:
                continue
            seen_bsn[values["bsn"]] = line
            result.rows.append(
                SignalRow(
                    line=line,
                    tenant_number=values.get("tenant_number"),
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
                    arrears_since=since,
                )
            )
    except csv.Error:
        errors.append(RowError(reader.line_num, "", _l("deze regel is geen geldige CSV")))


def _refuse(
    errors: list[RowError],
    layout: Layout,
    record: list[str],
    line: int,
    bad: set[str],
    tenant: str | None,
    held: str,
    reason: Any,
) -> None:
    """A value that parsed but cannot be (a date in the future, a BSN seen before)."""
    raw = record[layout.positions[held][0]]
    errors.append(_cell_error(line, layout.columns.label(held), held, raw, reason, tenant))
    bad.add(held)


def _join_vng(values: dict[str, Any], refuse: Callable[[str, Any], None]) -> None:
    """Voorvoegsel + Achternaam and Huisnummer + Huisnummertoevoeging as the case keeps them."""
    prefix = values.pop("prefix", None)
    if prefix:
        surname = f"{prefix} {values['surname']}"
        if len(surname) > 120:
            refuse("surname", _l("te lang (ten hoogste %(limit)s tekens)", limit=120))
        values["surname"] = surname
    values["house_number"] = join_house_number(values["house_number"], values.pop("addition", None))
