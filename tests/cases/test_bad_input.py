"""Bad input is a clear message in the user's language, never a 500, and changes nothing:
ids beyond the database's range, odd query numbers, absurd amounts and dates, control
characters, and the same in the arrears file given to the CLI."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from portal.cases.models import Case, Signal
from portal.numbers import (
    MAX_CENTS,
    MAX_ID,
    AmountError,
    AmountTooHigh,
    IdConverter,
    parse_cents,
    query_int,
)
from tests.cases.conftest import csv_bytes, row
from tests.cases.test_case_pages import today

NEW_CASE = {
    "signal_kinds": ["arrears"],
    "surname": "Nieuwenhuis",
    "initials": "B.",
    "birth_date": "1980-01-01",
    "bsn": "123456782",
    "street": "Laan",
    "house_number": "1",
    "postcode": "1234 AB",
    "city": "Demostad",
    "arrears_amount": "900,00",
    "arrears_months": "2",
}


def cases(session) -> int:
    return session.scalar(select(func.count(Case.id)))


# --- numbers ------------------------------------------------------------------------------------


def test_amounts_up_to_ten_million_euros():
    assert parse_cents("10.000.000") == MAX_CENTS
    assert parse_cents("€ 9.999.999,99") == MAX_CENTS - 1
    assert parse_cents("0") == 0
    for too_high in ("10.000.000,01", "10000001", "99999999999999999999"):
        with pytest.raises(AmountTooHigh):
            parse_cents(too_high)
    for not_an_amount in ("-5", "١٢", "12\x00", "1e9", "", "12,345,67", "1" * 5000, "0" * 1001):
        with pytest.raises(AmountError):
            parse_cents(not_an_amount)


def test_query_numbers_in_range_or_the_default():
    args = MultiDict(
        {"a": "12", "huge": "9" * 30, "big": str(MAX_ID + 1), "neg": "-1", "ar": "١٢", "zero": "0"}
    )
    assert query_int(args, "a") == 12
    for name in ("huge", "big", "neg", "ar", "zero", "missing"):
        assert query_int(args, name) is None, name
        assert query_int(args, name, default=7) == 7, name
    assert query_int(args, "zero", low=0) == 0


def test_every_int_rule_uses_the_id_converter(app):
    converters = [
        c
        for rule in app.url_map.iter_rules()
        for c in rule._converters.values()
        if isinstance(c, IntegerConverter)
    ]
    assert len(converters) > 40
    assert all(type(c) is IdConverter for c in converters)


# --- ids in URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/casussen/2147483648",
        "/casussen/99999999999999999999999",
        "/casussen/0",
        "/casussen/١",
        "/casussen/1/huishouden/2147483648",
        "/overdrachten/2147483648",
        "/besluiten/99999999999999999999999/besluit.pdf",
        "/casussen/import/2147483648",
    ],
)
def test_impossible_ids_are_not_found(signed_in, url):
    response = signed_in.get(url)
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_the_largest_id_is_an_ordinary_miss(signed_in):
    assert signed_in.get(f"/casussen/{MAX_ID}").status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999999", "2147483648", "-1", "١٢", "x"])
def test_odd_page_cursors_show_the_first_page(signed_in, make_case, demo_covenant, value):
    case = make_case("corporatie")
    for url in (f"/casussen?na={value}", f"/casussen?voor={value}", f"/overdrachten?na={value}"):
        response = signed_in.get(url)
        assert response.status_code == 200, url
    assert case.reference in signed_in.get(f"/casussen?na={value}").get_data(as_text=True)


# --- the intake form ------------------------------------------------------------------------


def post_new_case(client, **changes):
    return client.post_form("/casussen/nieuw", {**NEW_CASE, "signal_date": today(), **changes})


def test_an_absurd_amount_is_a_form_error_in_the_users_language(session, signed_in):
    response = post_new_case(signed_in, arrears_amount="99999999999999999999")
    assert response.status_code == 400
    assert "Vul een bedrag in tot € 10.000.000" in response.get_data(as_text=True)
    with signed_in.session_transaction() as sess:
        sess["lang"] = "en"
    response = post_new_case(signed_in, arrears_amount="10.000.000,01")
    assert response.status_code == 400
    assert "Enter an amount up to € 10,000,000" in response.get_data(as_text=True)
    assert cases(session) == 0
    assert post_new_case(signed_in, arrears_amount="10.000.000").status_code == 303
    assert cases(session) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"surname": "Jan\x00sen"}, "onzichtbaar stuurteken"),
        ({"city": "Demo\x1bstad"}, "onzichtbaar stuurteken"),
        ({"initials": "\x1f"}, "onzichtbaar stuurteken"),  # blank to str.strip()
        ({"street": "Laan\nvan"}, "onzichtbaar stuurteken"),
        ({"birth_date": "1899-12-31"}, "tussen 1900 en 2100"),
        ({"birth_date": "2099-01-01"}, "Een geboortedatum ligt niet in de toekomst."),
        ({"arrears_since": "0001-01-01"}, "tussen 1900 en 2100"),
        ({"arrears_months": "١٢"}, "Vul een aantal maanden in"),
        ({"arrears_months": "99999999999999999999"}, "Vul een aantal maanden in"),
        ({"arrears_amount": "-12"}, "Dit bedrag klopt niet"),
    ],
)
def test_odd_values_are_form_errors(session, signed_in, changes, message):
    response = post_new_case(signed_in, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert cases(session) == 0


CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.characters(
    min_codepoint=0x7F, max_codepoint=0x9F
)


SHORT_TEXT = st.text(max_size=30)


@st.composite
def with_control_character(draw, base=SHORT_TEXT):
    text = draw(base)
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(CONTROL) + text[at:]


HUGE = st.integers(10**7 + 1, 10**40).map(str)
NEGATIVE = st.integers(-(10**30), -1).map(str)
UNICODE_DIGITS = st.text(
    alphabet=st.characters(whitelist_categories=("Nd",), blacklist_characters="0123456789"),
    min_size=1,
    max_size=25,
)
LONG = st.text(min_size=1001, max_size=3000)
ODD_DATES = st.sampled_from(["0001-01-01", "1899-12-31", "9999-12-31", "2101-01-01"])

#: Field -> values that must never pass, with every other field valid.
ODD = st.one_of(
    st.tuples(st.just("arrears_amount"), HUGE | NEGATIVE | UNICODE_DIGITS | LONG),
    st.tuples(st.just("arrears_amount"), with_control_character(st.just("12,50"))),
    st.tuples(st.just("arrears_months"), HUGE | NEGATIVE | UNICODE_DIGITS | LONG),
    st.tuples(
        st.sampled_from(["surname", "initials", "street", "city", "tenant_number", "email"]),
        with_control_character() | LONG,
    ),
    st.tuples(st.sampled_from(["bsn", "postcode", "house_number"]), UNICODE_DIGITS),
    st.tuples(st.sampled_from(["signal_date", "birth_date", "arrears_since"]), ODD_DATES),
)


@settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(odd=ODD)
def test_odd_values_never_500_and_create_nothing(session, signed_in, odd):
    field, value = odd
    response = post_new_case(signed_in, **{field: value})
    assert response.status_code == 400, (field, value)
    assert session.scalar(select(func.count(Signal.id))) == 0
    assert cases(session) == 0


# --- the CLI import ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"amount": "99999999999999999999"}, "arrears_amount"),
        ({"surname": "Test\x07persoon"}, "surname"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
        ({"months": "١٢"}, "arrears_months"),
    ],
)
def test_the_cli_reports_the_row_and_imports_nothing(
    app, session, make_org, tmp_path, cells, column
):
    make_org("corporatie")
    path = tmp_path / "signalen.csv"
    path.write_bytes(csv_bytes(row(), row("123456782", tenant_number="H-2", **cells)))
    result = app.test_cli_runner().invoke(
        args=["signals", "import", str(path), "--org", "corporatie"]
    )
    assert result.exit_code == 1
    assert f"regel 3, {column}: " in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert cases(session) == 0
