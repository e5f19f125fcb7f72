"""Encrypted columns through the ORM and the database: round trips, swaps, tampering."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.cases.models import Person
from portal.cases.service import TEXT_MAX
from portal.crypto import aead
from portal.crypto.context import CACHE_KEY
from portal.crypto.errors import DecryptionError, KeyUnavailable
from portal.crypto.fields import (
    ERASED,
    EncryptedRow,
    EncryptedType,
    Pending,
    Sealed,
    decrypt_field,
    decrypt_fields,
    preload_keys,
)
from portal.crypto.service import create_data_key, destroy_data_key
from portal.extensions import db
from portal.numbers import MAX_CENTS
from tests.crypto.test_aead import VALUES, json_values

DB_EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class ScratchBase(DeclarativeBase):
    pass


class Scratch(EncryptedRow, ScratchBase):
    """A test-only table with one encrypted column of every kind."""

    __tablename__ = "test_scratch"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_key_id: Mapped[int] = mapped_column()
    text_value: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    date_value: Mapped[Sealed | None] = mapped_column(EncryptedType("date"))
    money_value: Mapped[Sealed | None] = mapped_column(EncryptedType("money"))
    json_value: Mapped[Sealed | None] = mapped_column(EncryptedType("json"))

    def encryption_key_id(self) -> int | None:
        return self.data_key_id


@pytest.fixture
def scratch(session):
    """Make the scratch table (inside the test's transaction) and a data key for it."""
    ScratchBase.metadata.create_all(session.connection())
    key = create_data_key(session)

    def make(**values) -> Scratch:
        row = Scratch(data_key_id=key.id, **values)
        session.add(row)
        session.flush()
        return row

    return make


def _reloaded(session, obj):
    """The row as read back from the database, with nothing cached in the session."""
    session.flush()
    session.expunge_all()
    session.info.pop(CACHE_KEY, None)
    return session.get(type(obj), obj.id)


COLUMN_FOR = {"str": "text_value", "date": "date_value", "money": "money_value"}
COLUMN_FOR["json"] = "json_value"


@DB_EXAMPLES
@given(st.text())
def test_strings_round_trip_through_the_database(session, scratch, value):
    row = _reloaded(session, scratch(text_value=value))
    assert isinstance(row.text_value, Sealed)
    assert decrypt_field(row, "text_value") == value


@DB_EXAMPLES
@given(st.dates())
def test_dates_round_trip_through_the_database(session, scratch, value):
    row = _reloaded(session, scratch(date_value=value))
    assert decrypt_field(row, "date_value") == value


@DB_EXAMPLES
@given(VALUES["money"])
def test_money_round_trips_through_the_database(session, scratch, value):
    row = _reloaded(session, scratch(money_value=value))
    assert decrypt_field(row, "money_value") == value


@DB_EXAMPLES
@given(json_values)
def test_json_round_trips_through_the_database(session, scratch, value):
    row = _reloaded(session, scratch(json_value=value))
    assert decrypt_field(row, "json_value") == value


@DB_EXAMPLES
@given(
    surname=st.text(min_size=1, max_size=TEXT_MAX).filter(str.strip),  # longer is refused
    birth_date=st.dates(max_value=date(2025, 1, 1)),
    arrears=st.integers(min_value=0, max_value=MAX_CENTS),  # the service refuses more
)
def test_case_and_person_round_trip(session, make_case, surname, birth_date, arrears):
    case = make_case(surname=surname, birth_date=birth_date, arrears_cents=arrears)
    person = _reloaded(session, case.persons[0])
    assert decrypt_fields(person, "birth_date", "bsn", "postcode") == {
        "birth_date": birth_date,
        "bsn": "111222333",
        "postcode": "1234AB",
    }
    assert decrypt_field(person, "surname") == " ".join(surname.split())
    assert decrypt_field(person.case, "arrears_cents") == arrears


def test_assigned_values_are_pending_then_sealed_and_print_nothing(session, make_case):
    case = make_case(surname="Jansen")
    person = case.persons[0]
    person.surname = "de Boer"
    assert isinstance(person.surname, Pending)
    assert decrypt_field(person, "surname") == "de Boer"
    session.flush()
    assert isinstance(person.surname, Sealed)
    assert repr(person.surname) == str(person.surname) == "<sealed>"
    assert "Boer" not in repr(person) and "Boer" not in repr(Pending("de Boer"))
    stored = session.execute(text("SELECT surname FROM person WHERE id = :id"), {"id": person.id})
    assert b"Boer" not in bytes(stored.scalar_one())


def test_wrong_kinds_are_refused_on_assignment(session, make_case):
    person = make_case().persons[0]
    with pytest.raises(TypeError):
        person.birth_date = "1980-01-01"
    with pytest.raises(TypeError):
        person.case.arrears_cents = 12.5
    with pytest.raises(TypeError):
        person.surname = ERASED


def test_plaintext_cannot_reach_the_database_by_another_path(session, make_case):
    case = make_case()
    with pytest.raises(StatementError):
        session.execute(insert(Person).values(case_id=case.id, surname="Jansen"))
    session.rollback()
    with pytest.raises(StatementError):
        session.scalars(select(Person).where(Person.bsn == "111222333")).all()


def test_ciphertext_moved_to_another_row_fails(session, make_case):
    first = make_case(surname="Jansen").persons[0]
    second = make_case(surname="Pietersen", bsn="123456782").persons[0]
    second.surname = first.surname  # a ciphertext copied as is
    reloaded = _reloaded(session, second)
    with pytest.raises(DecryptionError) as caught:
        decrypt_field(reloaded, "surname")
    assert caught.value.reason == "tampered"


def test_ciphertext_moved_within_one_case_fails(session, make_case):
    """Same data key, other row: the row uid in the AAD still tells them apart."""
    from portal.cases.service import PersonData

    case = make_case(members=(PersonData(surname="Kind", minor=True),))
    tenant, child = case.persons
    session.execute(update(Person).where(Person.id == child.id).values(surname=tenant.surname))
    with pytest.raises(DecryptionError):
        decrypt_field(_reloaded(session, child), "surname")


def test_ciphertext_moved_to_another_column_fails(session, make_case):
    person = make_case().persons[0]
    session.execute(
        text("UPDATE person SET city = street, initials = surname WHERE id = :id"),
        {"id": person.id},
    )
    person = _reloaded(session, person)
    for field in ("city", "initials"):
        with pytest.raises(DecryptionError):
            decrypt_field(person, field)
    assert decrypt_field(person, "street") == "Dorpsstraat"


def test_ciphertext_moved_to_another_table_fails(session, make_case, scratch):
    case = make_case(arrears_cents=500)
    row = scratch(money_value=1)
    row.money_value = case.arrears_cents
    with pytest.raises(DecryptionError):
        decrypt_field(_reloaded(session, row), "money_value")


@pytest.mark.parametrize("position", [0, 1, 8, 9, 20, -17, -1])
def test_tampered_bytes_in_the_database_fail(session, make_case, position):
    person = make_case().persons[0]
    blob = bytearray(person.bsn.blob)
    blob[position] ^= 0x01
    session.execute(update(Person).where(Person.id == person.id).values(bsn=Sealed(bytes(blob))))
    with pytest.raises(DecryptionError):
        decrypt_field(_reloaded(session, person), "bsn")


def test_a_missing_data_key_fails_clearly(session, make_case):
    person = make_case().persons[0]
    relabelled = aead.HEADER.pack(aead.FORMAT_V1, 999_999) + person.bsn.blob[aead.HEADER.size :]
    session.execute(update(Person).where(Person.id == person.id).values(bsn=Sealed(relabelled)))
    with pytest.raises(DecryptionError) as caught:
        decrypt_field(_reloaded(session, person), "bsn")
    assert caught.value.reason == "missing-key"


def test_a_destroyed_key_reads_as_erased_and_refuses_writes(session, make_case):
    case = make_case()
    person = case.persons[0]
    destroy_data_key(session, case.data_key_id)
    person = _reloaded(session, person)
    assert decrypt_field(person, "surname") is ERASED
    assert decrypt_field(person.case, "arrears_cents") is ERASED
    assert not ERASED and str(ERASED) == "[gewist]"
    person.surname = "Nieuw"
    with pytest.raises(KeyUnavailable):
        session.flush()


def test_decrypt_field_only_knows_encrypted_fields(session, make_case):
    person = make_case().persons[0]
    with pytest.raises(AttributeError):
        decrypt_field(person, "is_main_tenant")
    assert decrypt_field(person, "phone") == "+31612345678"


def test_detached_rows_cannot_be_decrypted(session, make_case):
    person = _reloaded(session, make_case().persons[0])
    session.expunge(person)
    with pytest.raises(DecryptionError) as caught:
        decrypt_field(person, "surname")
    assert caught.value.reason == "no-session"
    assert decrypt_field(person, "surname", session=session) == "Jansen"


def test_data_keys_live_for_one_application_context(app, make_case, session):
    case = make_case()
    session.commit()  # a savepoint in these tests: the case is visible to the next context
    with app.app_context():
        inner = db.session
        assert inner is not session
        person = inner.get(Person, case.persons[0].id)
        assert decrypt_field(person, "surname") == "Jansen"
        assert case.data_key_id in inner.info[CACHE_KEY]
    assert CACHE_KEY not in inner.info


def test_row_uid_is_fixed_before_insert_and_never_changes(session, make_case):
    case = make_case()
    assert case.row_uid is not None
    with pytest.raises(ValueError, match="never changes"):
        case.row_uid = uuid.uuid4()


def test_preloading_unwraps_many_keys_in_one_query(app, session, make_case):
    from sqlalchemy import event

    cases = [make_case(bsn=None) for _ in range(5)]
    destroy_data_key(session, cases[0].data_key_id)
    ids = [case.persons[0].id for case in cases]
    _reloaded(session, cases[0])
    persons = [session.get(Person, person_id) for person_id in ids]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.extensions["kp_db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        preload_keys(session, persons, "surname", "initials")
        surnames = [decrypt_field(p, "surname") for p in persons]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "data_key" in s]) == 1
    assert surnames == [ERASED] + ["Jansen"] * 4
