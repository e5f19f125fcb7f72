"""The monthly file as rent administrations export it: the VNG model's columns besides
today's, Windows-1252 and ISO-8859-1 besides UTF-8, and values no real signal has refused
row by row, column by column: the report shows the value unless it is personal data (then
only that it is invalid) and the row's tenant number, which stays out of the database and
the logs."""

from __future__ import annotations

import codecs
import json
import logging
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.cases.intake import import_signals, signal_from_row
from portal.cases.models import Case, ImportJob, Person, Signal
from portal.cases.signal_csv import PERSONAL, TODAY, VNG, parse, shown, split_house_number
from portal.cases.signal_csv.columns import header_key
from portal.cases.signal_csv.values import INVISIBLE, SHOWN_MAX, join_house_number, months_between
from portal.crypto.fields import decrypt_field
from portal.workdays import local_today
from tests.conftest import SYSTEM

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
UTF8 = EXAMPLES / "maandbestand-vng.csv"
CP1252 = EXAMPLES / "maandbestand-vng-windows-1252.csv"
BAD = EXAMPLES / "maandbestand-fouten.csv"
BAD_REPORT = EXAMPLES / "maandbestand-fouten-verslag.txt"
#: The day the example files were made and their report was written.
DAY = date(2026, 12, 4)
VNG_HEADER = (
    "Burgerservicenummer;Voorletters;Voorvoegsel;Achternaam;Geboortedatum;Straatnaam;"
    "Huisnummer;Huisnummertoevoeging;Postcode;Plaatsnaam;bedrag;ontstaansdatum;signaaldatum"
)


def vng(*rows: str, header: str = VNG_HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def vng_row(
    bsn: str = "273100610",
    *,
    initials: str = "A.",
    prefix: str = "",
    surname: str = "Voorbeeld",
    born: str = "1980-01-01",
    street: str = "Proefstraat",
    number: str = "1",
    addition: str = "",
    postcode: str = "1234AB",
    city: str = "Demostad",
    amount: str = "500,00",
    since: str = "2026-10-01",
    signal: str = "2026-12-01",
) -> str:
    cells = [bsn, initials, prefix, surname, born, street, number, addition, postcode, city]
    return ";".join([*cells, amount, since, signal])


# --- columns --------------------------------------------------------------------------------


def test_the_vng_example_maps_onto_the_case():
    result = parse(UTF8.read_bytes(), today=DAY)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.encoding, result.column_set) == ("UTF-8", "vng")
    rows = {r.bsn: r for r in result.rows}
    berg = rows["273100610"]
    assert berg.surname == "van der Berg-Voorbeeld" and berg.initials == "A."
    assert berg.house_number == "12A" and berg.postcode == "1234AB"
    assert berg.arrears_cents == 125_050 and berg.tenant_number is None
    assert berg.arrears_since == date(2026, 9, 1) and berg.arrears_months == 3
    assert berg.birth_date == date(1984, 2, 29)
    assert rows["273100701"].surname == "Çelik-Test"
    assert rows["273100701"].birth_date == date(1979, 5, 12)  # DD-MM-YYYY
    assert rows["273100701"].house_number == "7-HS"
    assert rows["273100750"].birth_date == date(1991, 3, 17)  # YYYYMMDD
    assert rows["273100750"].arrears_months == 3  # 15 August -> 1 December
    assert rows["273100841"].house_number == "3-2" and rows["273100841"].arrears_months == 1
    assert rows["273100890"].surname == "’t Hart-Voorbeeld"


@pytest.mark.parametrize(
    "spell",
    [
        str.lower,
        str.upper,
        lambda h: h.replace("nummer", "_nummer").replace("datum", " datum"),
        lambda h: h.replace("Huisnummertoevoeging", "Huisnummer toevoeging"),
        lambda h: h.replace("Burgerservicenummer", "burger-service-nummer"),
    ],
    ids=["lower", "upper", "underscores and spaces", "two words", "hyphens"],
)
def test_vng_headers_match_however_written(spell):
    header = ";".join(spell(h) for h in VNG_HEADER.split(";"))
    result = parse(vng(vng_row(), header=header).encode(), today=DAY)
    assert result.ok and result.column_set == "vng", [str(e) for e in result.errors]


def test_todays_headers_match_with_spaces_too():
    header = "Tenant Number;BSN;Surname;Initials;Birth Date;Street;House-Number;Postcode;City;"
    header += "Arrears_Amount;Arrears Months;Signal Date"
    line = "H-1;273100610;Voorbeeld;A.;1980-01-01;Proefstraat;1;1234AB;Demostad;500,00;2;2026-12-01"
    result = parse(vng(line, header=header).encode(), today=DAY)
    assert result.ok and result.column_set == "today"
    assert header_key("House-Number") == header_key("house_number") == "housenumber"


def test_a_header_mixing_both_sets_is_refused_naming_them():
    header = VNG_HEADER.replace("Achternaam", "surname")
    result = parse(vng(vng_row(), header=header).encode(), today=DAY)
    assert [(e.line, e.column) for e in result.errors] == [(1, "")]
    assert "surname" in str(result.errors[0]) and "Burgerservicenummer" in str(result.errors[0])
    assert not result.rows


def test_missing_vng_columns_are_named():
    header = VNG_HEADER.replace(";bedrag", "").replace(";signaaldatum", "")
    line = ";".join([*vng_row().split(";")[:10], "2026-10-01"])
    result = parse(vng(line, header=header).encode(), today=DAY)
    assert [(e.line, e.column) for e in result.errors] == [(1, "bedrag"), (1, "signaaldatum")]


def test_optional_vng_columns_may_be_left_out():
    header = VNG_HEADER.replace("Voorvoegsel;", "").replace("Huisnummertoevoeging;", "")
    cells = vng_row().split(";")
    line = ";".join(cells[:2] + cells[3:7] + cells[8:])
    result = parse(vng(line, header=header).encode(), today=DAY)
    assert result.ok and result.rows[0].house_number == "1"


def test_an_arrears_months_column_wins_over_the_derived_months():
    result = parse(vng(vng_row() + ";7", header=VNG_HEADER + ";arrears_months").encode(), today=DAY)
    assert result.ok and result.rows[0].arrears_months == 7


def test_both_sets_are_documented_as_the_upload_page_lists_them():
    assert "Burgerservicenummer" in VNG.required and "Voorvoegsel" in VNG.optional
    assert TODAY.required[0] == "tenant_number" and "phone" in TODAY.optional


@pytest.mark.parametrize(
    ("number", "addition", "stored"),
    [("12", None, "12"), ("12", "A", "12A"), ("12", "HS", "12-HS"), ("12", "1", "12-1")],
)
def test_house_number_and_addition_come_apart_again(number, addition, stored):
    assert join_house_number(number, addition) == stored
    assert split_house_number(stored) == (number, addition)


def test_house_numbers_from_todays_columns_split_too():
    assert split_house_number("12 a") == ("12", "A")
    assert split_house_number("3-hs") == ("3", "HS")
    assert split_house_number("99999") == ("99999", None)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 9, 1), date(2026, 11, 15), 2),
        (date(2026, 9, 15), date(2026, 11, 14), 1),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 12, 1), date(2026, 12, 1), 0),
        (date(2025, 11, 1), date(2026, 12, 1), 13),
    ],
)
def test_months_overdue_are_whole_months(start, end, months):
    assert months_between(start, end) == months


# --- encodings ------------------------------------------------------------------------------

NAMES = ("Çelik-Test", "Özdemir-Proef", "Müller-Demo", "Crème-Voorbeeld")


def names_file() -> str:
    bsns = ("273100610", "273100701", "273100750", "273100841")
    return vng(*(vng_row(bsn, surname=name) for bsn, name in zip(bsns, NAMES, strict=True)))


@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8"),
        ("cp1252", "Windows-1252"),
        ("latin-1", "Windows-1252"),
        ("utf-16", "UTF-16"),
    ],
)
def test_every_common_export_reads_the_same_names(encoding, read_as):
    result = parse(names_file().encode(encoding), today=DAY)
    assert result.ok, [str(e) for e in result.errors]
    assert result.encoding == read_as
    assert [r.surname for r in result.rows] == list(NAMES)


def test_the_euro_sign_and_curly_quote_of_windows_1252_are_read():
    result = parse(CP1252.read_bytes(), today=DAY)
    assert result.ok and result.encoding == "Windows-1252"
    assert result.rows == parse(UTF8.read_bytes(), today=DAY).rows
    assert result.rows[0].arrears_cents == 125_050  # "€ 1.250,50"


def test_a_decomposed_name_is_stored_composed():
    result = parse(vng(vng_row(surname="Mu\u0308ller-Demo")).encode(), today=DAY)
    assert result.ok and result.rows[0].surname == "Müller-Demo"


def test_ij_ligature_in_utf8_reads_and_a_lost_letter_is_caught():
    text = vng(vng_row(city="Ĳsselstein-Demo"))
    assert parse(text.encode(), today=DAY).rows[0].city == "Ĳsselstein-Demo"
    # Windows-1252 has no Ĳ: a spreadsheet writes "?" in its place.
    lost = parse(text.encode("cp1252", errors="replace"), today=DAY)
    assert [(e.line, e.column) for e in lost.errors] == [(2, "Plaatsnaam")]
    assert "CSV UTF-8" in str(lost.errors[0].reason)
    assert lost.errors[0].value is None and lost.errors[0].personal  # a place name: not shown


@pytest.mark.parametrize(
    "data",
    [
        vng(vng_row(surname="Test")).encode().replace(b"Test", b"T\x81st"),
        b"PK\x03\x04" + b"\x00" * 40,
        b"\xd0\xcf\x11\xe0" + b"\x00" * 40,
        (vng(vng_row(surname="Müller")) + vng_row("273100701", surname="Özdemir"))
        .encode()
        .replace("Özdemir".encode(), "Özdemir".encode("cp1252")),
        vng(vng_row()).encode("utf-16-le"),  # no byte-order mark: NULs everywhere
    ],
    ids=["undefined byte", "xlsx", "xls", "half UTF-8", "UTF-16 without mark"],
)
def test_a_file_in_no_known_encoding_is_refused_with_the_fix(data):
    result = parse(data, today=DAY)
    assert [(e.line, e.column) for e in result.errors] == [(0, "")] and not result.rows
    assert "CSV UTF-8" in str(result.errors[0].reason)


# --- values no real signal has ------------------------------------------------------------

#: (row, column, words in the reason, value as shown) in the example of bad rows: None for
#: a column with personal data (BSN, names, birth date, address), whose value is never shown.
EXPECTED_BAD = [
    (3, "Geboortedatum", "voor 1900", None),
    (4, "Geboortedatum", "toekomst", None),
    (5, "signaaldatum", "jaar terug", "2025-06-01"),
    (6, "signaaldatum", "dagen in de toekomst", "2026-12-20"),
    (7, "ontstaansdatum", "na de signaaldatum", "2026-12-03"),
    (8, "Achternaam", "stuurteken", None),
    (8, "Straatnaam", "stuurteken", None),
    (8, "Plaatsnaam", "stuurteken", None),
    (9, "Voorletters", "stuurteken", None),
    (9, "Achternaam", "stuurteken", None),
    (9, "Straatnaam", "stuurteken", None),
    (10, "bedrag", "groter zijn dan 0", "0,00"),
    (11, "bedrag", "hoger dan", "250.000,00"),
    (12, "Burgerservicenummer", "elfproef", None),
    (13, "Huisnummer", "huisnummer", None),
    (13, "Huisnummertoevoeging", "toevoeging", None),
    (13, "Postcode", "postcode", None),
    (14, "ontstaansdatum", "toekomst", "2027-01-01"),
    (15, "Straatnaam", "vraagteken", None),
]
#: What the example of bad rows holds in its personal columns: never in a report.
BAD_PERSONAL_VALUES = (
    "1899-12-31",
    "2031-01-01",
    "Test[U+202E]Fout",
    "Fout",
    "Proef[U+0000]straat",
    "Proefpersoon",
    "123456789",
    "123456",
    "ABCDE",
    "12345",
    "?sselkade",
    "sselkade",
)


def report_lines(result) -> list[str]:
    """As the docs' example report (``signals import --show-values``) prints them."""
    return [f"{e} [{e.value}]" if e.value is not None else str(e) for e in result.errors]


def test_every_bad_row_and_column_of_the_example_is_reported():
    result = parse(BAD.read_bytes(), today=DAY)
    assert not result.ok and [r.line for r in result.rows] == [2]  # refused all the same
    found = [(e.line, e.column, str(e.reason), e.value) for e in result.errors]
    assert [(line, column) for line, column, _r, _v in found] == [
        (line, column) for line, column, _w, _v in EXPECTED_BAD
    ]
    for error, (_line, _col, words, shown_value) in zip(result.errors, EXPECTED_BAD, strict=True):
        assert words in str(error.reason) and error.value == shown_value
        assert error.personal == (shown_value is None)
        assert error.tenant_number is None  # the example has no tenant_number column


def test_the_documented_report_is_what_the_parser_says():
    result = parse(BAD.read_bytes(), today=DAY)
    assert BAD_REPORT.read_text(encoding="utf-8").splitlines() == report_lines(result)


def test_no_personal_value_is_ever_in_the_report():
    result = parse(BAD.read_bytes(), today=DAY)
    report = json.dumps([e.stored() for e in result.errors]) + "\n".join(report_lines(result))
    for value in BAD_PERSONAL_VALUES:
        assert value not in report, value


def test_only_amounts_months_and_signal_dates_show_their_value():
    held = {h for column_set in (TODAY, VNG) for _doc, h in column_set.columns}
    assert held - PERSONAL == {"arrears_amount", "arrears_months", "signal_date", "arrears_since"}


def test_the_report_shows_the_rows_tenant_number_and_stores_it_nowhere():
    header = VNG_HEADER + ";tenant_number"
    text = vng(
        vng_row(amount="nul") + ";H-4711",
        vng_row("123456789", amount="0,00") + ";H\u202e4712",
        vng_row("273100701", born="1899-12-31") + ";",
        header=header,
    )
    result = parse(text.encode(), today=DAY)
    found = [(e.line, e.column, e.value, e.personal, e.tenant_number) for e in result.errors]
    assert found == [
        (2, "bedrag", "nul", False, "H-4711"),
        (3, "Burgerservicenummer", None, True, "H[U+202E]4712"),
        (3, "bedrag", "0,00", False, "H[U+202E]4712"),
        (3, "tenant_number", None, True, "H[U+202E]4712"),  # the invisible character
        (4, "Geboortedatum", None, True, None),
    ]
    for error in result.errors:
        assert "H-4711" not in f"{error} {error!r} {json.dumps(error.stored())}"
        assert "4712" not in f"{error} {error!r} {json.dumps(error.stored())}"
        assert set(error.stored()) == {"line", "column", "reason", "value", "personal"}


def test_the_report_prints_without_values():
    """What the CLI prints and a log could see: where and why."""
    result = parse(BAD.read_bytes(), today=DAY)
    for error in result.errors:
        if error.value is not None:
            assert error.value not in str(error) and error.value not in repr(error)


def test_shown_values_are_cut_to_forty_characters():
    assert SHOWN_MAX == 40
    assert shown("a" * SHOWN_MAX) == "a" * SHOWN_MAX
    assert shown("a" * 100) == "a" * (SHOWN_MAX - 1) + "…"
    far = shown("b" * 80 + "\u202e" + "c" * 80)
    assert far.startswith("…") and "[U+202E]" in far and far.endswith("…")
    assert len(far) <= SHOWN_MAX
    assert len(shown("\u202e" * 30)) <= SHOWN_MAX and "[U+" not in shown("\u202e" * 30)[-2:]
    assert shown("Jan\u2067sen") == "Jan[U+2067]sen"


# --- the upload page: the report, nothing stored, nothing logged ---------------------------


def counts(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count(model.id))) for model in (Case, Person, Signal))  # type: ignore[return-value]


def upload(client, data: bytes):
    import io

    token = client.csrf_token("/casussen/import")
    return client.post(
        "/casussen/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "maandbestand.csv")},
        content_type="multipart/form-data",
    )


def test_upload_reports_row_tenant_number_column_and_value(signed_in, session, caplog):
    """The report on the upload page: row, tenant number, column, the value unless it is
    personal data, and why. The job's row keeps all but the tenant number; no log has it.
    Dates relative to today: the example's own dates age, the upload checks against the
    real calendar."""
    today = local_today()
    signal = today.isoformat()
    since = f"{today.year - 1}-{today.month:02d}-01"
    good = vng_row(since=since, signal=signal) + ";H-0815"
    bad = vng_row(
        "273100701",
        surname="Test\u202eKanarie",
        born="1899-12-31",
        amount="12,3,4",
        since=since,
        signal=signal,
    )
    bad += ";H-4711-Kanarie"
    before = counts(session)
    caplog.set_level(logging.DEBUG)
    response = upload(signed_in, vng(good, bad, header=VNG_HEADER + ";tenant_number").encode())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Er is niets geïmporteerd" in page
    assert page.count("<bdi>H-4711-Kanarie</bdi>") == 3  # on each of the row's errors
    assert "H-0815" not in page  # the good row is not in the report
    assert "<bdi>12,3,4</bdi>" in page
    assert "Test[U+202E]Kanarie" not in page and "\u202e" not in page
    assert "1899-12-31" not in page and "273100701" not in page
    assert page.count("ongeldig (persoonsgegeven, niet getoond)") == 2
    for column in ("Achternaam", "Geboortedatum", "bedrag"):
        assert f">{column}</td>" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert counts(session) == before
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.status == "failed"
    assert [(e["line"], e["column"], e["value"], e["personal"]) for e in job.errors] == [
        (3, "Achternaam", None, True),
        (3, "Geboortedatum", None, True),
        (3, "bedrag", "12,3,4", False),
    ]
    stored = json.dumps(job.errors)
    for value in ("Kanarie", "H-4711", "U+202E", "1899-12-31", "273100701"):
        assert value not in stored
        assert value not in caplog.text
    # The job's page keeps row, column, the value that is no personal data, and why.
    later = signed_in.get(f"/casussen/import/{job.id}").get_data(as_text=True)
    assert ">Achternaam</td>" in later and "<bdi>12,3,4</bdi>" in later
    assert "Kanarie" not in later and "H-4711" not in later
    assert later.count("ongeldig (persoonsgegeven, niet getoond)") == 2


def test_upload_of_the_windows_1252_file_imports_it(signed_in, session):
    today = local_today()
    since = f"{today.year - 1}-{today.month:02d}-01"
    text = vng(
        vng_row(surname="Özdemir-Proef", prefix="van", since=since, signal=today.isoformat())
    )
    response = upload(signed_in, text.encode("cp1252"))
    assert response.status_code == 303
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.status == "done" and job.created_count == 1
    case = session.get(Case, job.report[0]["case_id"])
    assert decrypt_field(case.persons[0], "surname") == "van Özdemir-Proef"
    assert decrypt_field(case, "arrears_since") == date(today.year - 1, today.month, 1)
    assert decrypt_field(case, "arrears_months") == 12


def test_cli_prints_values_only_when_asked(app, session, make_org, tmp_path):
    make_org("corporatie")
    path = tmp_path / "maandbestand.csv"
    path.write_bytes(BAD.read_bytes())
    runner = app.test_cli_runner()
    quiet = runner.invoke(args=["signals", "import", str(path), "--org", "corporatie"])
    assert quiet.exit_code == 1 and "regel 8, Achternaam:" in quiet.stderr
    assert "[2025-06-01]" not in quiet.stderr and "[0,00]" not in quiet.stderr
    loud = runner.invoke(
        args=["signals", "import", str(path), "--org", "corporatie", "--show-values"]
    )
    assert loud.exit_code == 1 and "[2025-06-01]" in loud.stderr and "[0,00]" in loud.stderr
    for output in (quiet.stderr, loud.stderr):  # personal data: not even when asked
        assert "Test[U+202E]Fout" not in output and "\u202e" not in output
        assert "123456789" not in output


# --- both copies, the same cases ------------------------------------------------------------

FIELDS = ("surname", "initials", "birth_date", "bsn", "street", "house_number", "postcode", "city")


def imported(session, org, path: Path) -> list[tuple]:
    rows = parse(path.read_bytes(), today=DAY).rows
    result = import_signals(session, SYSTEM, org, [signal_from_row(r) for r in rows])
    session.flush()
    cases = [session.get(Case, o.case_id) for o in result.outcomes]
    return [
        (
            *(decrypt_field(c.persons[0], f) for f in FIELDS),
            *(decrypt_field(c, f) for f in ("arrears_cents", "arrears_months", "arrears_since")),
        )
        for c in cases
    ]


def test_both_copies_import_as_identical_cases(session, make_org):
    before = session.scalar(select(func.count(Case.id)))
    utf8 = imported(session, make_org("corporatie"), UTF8)
    cp1252 = imported(session, make_org("woonbron"), CP1252)
    assert utf8 == cp1252 and len(utf8) == 6
    assert session.scalar(select(func.count(Case.id))) == before + 12
    berg = utf8[0]
    assert berg[0] == "van der Berg-Voorbeeld" and berg[5] == "12A"
    assert berg[-3:] == (125_050, 3, date(2026, 9, 1))


def test_the_demo_imports_the_monthly_file_once(app, session):
    from portal.cases.service import find_cases_by_bsn

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    (case,) = find_cases_by_bsn(session, SYSTEM, "273100701")
    assert decrypt_field(case.persons[0], "surname") == "Çelik-Test"
    assert decrypt_field(case.persons[0], "house_number") == "7-HS"
    assert len(case.signals) == 1


# --- any bytes ------------------------------------------------------------------------------

COLUMN_NAMES = {doc for doc, _held in TODAY.columns + VNG.columns} | {""}


def check_result(result) -> None:
    assert result.ok or result.errors
    assert not (result.rows and result.errors and result.ok)
    for error in result.errors:
        assert isinstance(error.line, int) and error.line >= 0
        assert error.column in COLUMN_NAMES
        assert str(error.reason)
        if error.value is not None:
            assert not INVISIBLE.search(error.value)
            assert len(error.value) <= SHOWN_MAX and not error.personal


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes_parse_or_give_located_errors(data):
    check_result(parse(data, today=DAY))


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.binary(max_size=40), min_size=13, max_size=13),
    st.sampled_from(["utf-8", "cp1252", "utf-16"]),
)
def test_any_cells_under_a_vng_header_parse_or_give_located_errors(cells, encoding):
    """Random bytes in every cell of a VNG row, the file in each encoding: the parser gets
    to the row checks (not only to "unreadable file") and still never raises."""
    line = b";".join(re.sub(rb"[;\r\n\"]", b"", c) for c in cells)
    data = VNG_HEADER.encode(encoding) + "\r\n".encode(encoding)
    if encoding == "utf-16":
        data = codecs.BOM_UTF16_LE + VNG_HEADER.encode("utf-16-le") + "\r\n".encode("utf-16-le")
        line = line.decode("latin-1").encode("utf-16-le")
    check_result(parse(data + line, today=DAY))


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8"])
def test_names_come_back_exactly_after_decrypt(session, make_org, encoding):
    text = names_file()
    if encoding == "utf-8":  # only UTF-8 can carry the Ĳ ligature
        text = text.replace("Crème-Voorbeeld", "Ĳsselstein-Voorbeeld")
    rows = parse(text.encode(encoding), today=DAY).rows
    result = import_signals(
        session, SYSTEM, make_org("corporatie"), [signal_from_row(r) for r in rows]
    )
    session.flush()
    surnames = [
        decrypt_field(session.get(Case, o.case_id).persons[0], "surname") for o in result.outcomes
    ]
    expected = [n.replace("Crème", "Ĳsselstein") if encoding == "utf-8" else n for n in NAMES]
    assert surnames == expected
