"""The arrears file parser: every malformed file is refused with the exact row and column."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.cases.signal_csv import (
    FieldError,
    parse,
    parse_amount_cents,
    parse_date,
)

TODAY = date(2026, 11, 22)
HEADER = (
    "tenant_number;bsn;surname;initials;birth_date;street;house_number;postcode;city;"
    "phone;email;arrears_amount;arrears_months;signal_date"
)
GOOD = (
    "H-1001;111222333;Testpersoon;A.B.;1990-05-17;Dorpsstraat;12A;1234 AB;Demostad;"
    "0612345678;;1.250,50;2;2026-11-01"
)
GOOD2 = (
    "H-1002;123456782;Voorbeeld;C.;17-05-1985;Kerkweg;3;9999ZZ;Demostad;;c@example.org;"
    "0,01;0;01-11-2026"
)


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def test_good_file_parses_and_normalises():
    result = parse(csv_bytes(GOOD, GOOD2, bom=True), today=TODAY)
    assert result.ok, [str(e) for e in result.errors]
    first, second = result.rows
    assert first.bsn == "111222333" and first.postcode == "1234AB"
    assert first.arrears_cents == 125050 and first.arrears_months == 2
    assert first.phone == "+31612345678" and first.email is None
    assert first.birth_date == date(1990, 5, 17) and first.house_number == "12A"
    assert second.birth_date == date(1985, 5, 17) and second.signal_date == date(2026, 11, 1)
    assert second.email == "c@example.org" and second.arrears_cents == 1


def test_comma_delimiter_and_header_case():
    header = HEADER.upper().replace(";", ",")
    row = GOOD.replace(";", ",").replace("1.250,50", '"1.250,50"')
    result = parse(csv_bytes(row, header=header), today=TODAY)
    assert result.ok and result.rows[0].arrears_cents == 125050


def test_extra_columns_are_ignored_and_reported():
    result = parse(csv_bytes(GOOD + ";x", header=HEADER + ";opmerking"), today=TODAY)
    assert result.ok and result.ignored_columns == ["opmerking"]


def bad(column: str, value: str) -> str:
    cells = dict(zip(HEADER.split(";"), GOOD.split(";"), strict=True))
    cells[column] = value
    return ";".join(cells.values())


MALFORMED = [
    ("bsn fails the eleven-test", [bad("bsn", "111222334")], [(2, "bsn")]),
    ("bsn too short", [bad("bsn", "12345")], [(2, "bsn")]),
    ("postcode format", [bad("postcode", "12345")], [(2, "postcode")]),
    ("postcode starting with 0", [bad("postcode", "0123 AB")], [(2, "postcode")]),
    ("impossible date", [bad("birth_date", "2023-02-30")], [(2, "birth_date")]),
    ("wrong date format", [bad("signal_date", "2026/11/01")], [(2, "signal_date")]),
    ("future signal date", [bad("signal_date", "2027-01-01")], [(2, "signal_date")]),
    ("negative amount", [bad("arrears_amount", "-10,00")], [(2, "arrears_amount")]),
    ("amount with letters", [bad("arrears_amount", "12,5O")], [(2, "arrears_amount")]),
    ("negative months", [bad("arrears_months", "-1")], [(2, "arrears_months")]),
    ("fractional months", [bad("arrears_months", "1.5")], [(2, "arrears_months")]),
    ("empty surname", [bad("surname", "  ")], [(2, "surname")]),
    ("bad phone", [bad("phone", "12")], [(2, "phone")]),
    ("bad e-mail", [bad("email", "not-an-address")], [(2, "email")]),
    ("bad house number", [bad("house_number", "0")], [(2, "house_number")]),
    ("too few cells", ["H-1;111222333;X"], [(2, "")]),
    ("same BSN twice", [GOOD, GOOD.replace("H-1001", "H-1003")], [(3, "bsn")]),
    (
        "errors in several rows are all reported",
        [GOOD2, bad("postcode", "x"), bad("bsn", "1"), GOOD],
        [(3, "postcode"), (4, "bsn")],
    ),
    (
        "two bad cells in one row",
        [bad("bsn", "1").replace("1234 AB", "x")],
        [(2, "bsn"), (2, "postcode")],
    ),
]


@pytest.mark.parametrize(
    ("rows", "where"), [(r, w) for _n, r, w in MALFORMED], ids=[n for n, *_ in MALFORMED]
)
def test_malformed_rows_are_reported_exactly(rows, where):
    result = parse(csv_bytes(*rows), today=TODAY)
    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == where


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"", [(0, "")]),
        (HEADER.encode(), [(0, "")]),
        (b"\xff\xfe" + HEADER.encode("utf-16-le"), [(0, "")]),
        (
            csv_bytes(GOOD, header=HEADER.replace("bsn;", "")).replace(b"111222333;", b""),
            [(1, "bsn")],
        ),
        (csv_bytes(GOOD, header=HEADER.replace("city", "bsn")), [(1, "city"), (1, "bsn")]),
    ],
    ids=["empty", "header only", "utf-16 header only", "missing column", "duplicate column"],
)
def test_malformed_files_are_reported(data, where):
    result = parse(data, today=TODAY)
    assert not result.ok and not result.rows
    assert sorted((e.line, e.column) for e in result.errors) == sorted(where)


def test_error_report_never_contains_the_value():
    result = parse(csv_bytes(bad("bsn", "987654321")), today=TODAY)
    assert all("987654321" not in str(e) for e in result.errors)


@given(
    euros=st.integers(0, 10**7 - 1),
    cents=st.integers(0, 99),
    style=st.sampled_from(["nl", "en", "plain"]),
)
def test_amount_round_trip(euros, cents, style):
    if style == "nl":
        text = f"{euros:,}".replace(",", ".") + f",{cents:02d}"
    elif style == "en":
        text = f"{euros:,}" + f".{cents:02d}"
    else:
        text = f"{euros}.{cents:02d}"
    assert parse_amount_cents(text) == euros * 100 + cents


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_date_round_trip_both_formats(d):
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%d-%m-%Y")) == d


@given(st.text(max_size=20))
def test_amount_parser_only_raises_field_error(text):
    with contextlib.suppress(FieldError):
        assert parse_amount_cents(text) >= 0


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_any_bytes_give_rows_or_errors_never_an_exception(data):
    result = parse(data, today=TODAY)
    assert result.ok or result.errors
    assert not (result.rows and result.errors and result.ok)


@settings(max_examples=100)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15),
        min_size=14,
        max_size=14,
    )
)
def test_any_row_of_cells_gives_a_row_or_an_error(cells):
    line = ";".join(
        c.replace(";", "").replace("\n", "").replace("\r", "").replace('"', "") for c in cells
    )
    result = parse(csv_bytes(line), today=TODAY)
    assert len(result.rows) + len({e.line for e in result.errors}) >= 1


@pytest.mark.parametrize("value", ["²", "٣", "１"])
def test_non_ascii_digits_are_refused_not_crashing(value):
    result = parse(csv_bytes(bad("arrears_months", value)), today=TODAY)
    assert [(e.line, e.column) for e in result.errors] == [(2, "arrears_months")]
