"""Blind indexes: normalisation, per-field keys, look-ups that never decrypt other rows."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.cases.models import BlindIndex, Person
from portal.cases.service import (
    PersonData,
    find_cases_by_address,
    find_cases_by_bsn,
    find_cases_by_email,
    find_cases_by_phone,
    update_person,
)
from portal.crypto import blind_index
from portal.crypto.context import CryptoState
from portal.crypto.fields import Sealed
from portal.crypto.keyring import LocalKeyring
from portal.errors import DomainError
from tests.crypto.conftest import SYSTEM

STATE = CryptoState(wrapper=LocalKeyring({"v1": b"k" * 32}, "v1"), index_key=b"i" * 32)


@st.composite
def bsns(draw) -> str:
    """Valid (elfproef) nine-digit numbers, as fictional BSNs."""
    digits = draw(st.lists(st.integers(0, 9), min_size=8, max_size=8))
    check = sum(d * (9 - i) for i, d in enumerate(digits)) % 11
    if check > 9 or not any(digits):
        draw(st.just(None).filter(lambda _: False))
    return "".join(map(str, digits)) + str(check)


def _spaced(draw, text: str) -> str:
    separators = st.sampled_from(["", " ", ".", "-"])
    return "".join(ch + draw(separators) for ch in text).strip(".- ")


@given(st.data(), bsns())
def test_bsn_formatting_does_not_change_the_digest(data, bsn):
    written = _spaced(data.draw, bsn)
    assert blind_index.normalise("bsn", written) == bsn
    assert blind_index.digest(STATE, "bsn", blind_index.normalise("bsn", written)) == (
        blind_index.digest(STATE, "bsn", bsn)
    )


@given(
    st.integers(1000, 9999),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRTUVWXYZ", min_size=2, max_size=2),
    st.booleans(),
    st.booleans(),
)
def test_postcode_is_upper_case_without_space(number, letters, lower, space):
    written = f"{number}{' ' if space else ''}{letters.lower() if lower else letters}"
    assert blind_index.normalise_postcode(written) == f"{number}{letters}"


@given(
    st.from_regex(r"[a-z0-9][a-z0-9._]{0,10}@[a-z0-9]{1,10}\.(nl|org|example)", fullmatch=True),
    st.sampled_from(["", " ", "\t"]),
    st.booleans(),
)
def test_email_is_trimmed_and_lower_case(address, padding, upper):
    written = padding + (address.upper() if upper else address) + padding
    assert blind_index.normalise_email(written) == address


@given(st.integers(10_000_000, 59_999_999), st.sampled_from(["06{}", "+316{}", "00316{}"]))
def test_phone_numbers_become_e164(subscriber, pattern):
    written = pattern.format(subscriber)
    assert blind_index.normalise_phone(written) == f"+316{subscriber}"


@given(st.sampled_from(["bsn", "phone", "email", "address"]), st.text(max_size=40))
def test_a_digest_is_the_truncated_hmac_under_the_fields_key(field, value):
    """Digests copy one keyed MAC per field: the same digest every time, the HMAC itself."""
    expected = hmac.new(STATE.index_key_for(field), value.encode(), hashlib.sha256).digest()
    assert blind_index.digest(STATE, field, value) == expected[: blind_index.DIGEST_BYTES].hex()
    assert blind_index.digest(STATE, field, value) == blind_index.digest(STATE, field, value)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_fields_have_separate_keys(value):
    digests = {blind_index.digest(STATE, f, value) for f in ("bsn", "phone", "email", "address")}
    assert len(digests) == 4
    assert all(len(d) == blind_index.DIGEST_BYTES * 2 for d in digests)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("bsn", ("123456789",)),  # fails the elfproef
        ("bsn", ("12345678",)),
        ("address", ("12345", "1")),
        ("address", ("1234AB", "")),
        ("email", ("no-at-sign",)),
        ("phone", ("12",)),
    ],
)
def test_invalid_values_have_no_normal_form(field, values):
    with pytest.raises(ValueError, match="not a"):
        blind_index.normalise(field, *values)


def test_person_fields_are_indexed_and_found(session, make_case):
    case = make_case(
        bsn="111222333", email="A.Jansen@Example.org", phone="0612345678", house_number="12 a"
    )
    other = make_case(bsn="123456782", email="b@example.org", phone="0687654321")
    fields = {row.field for row in case.persons[0].blind_indexes}
    assert fields == {"bsn", "address", "email", "phone"}
    assert find_cases_by_bsn(session, SYSTEM, "111 222 333") == [case]
    assert find_cases_by_email(session, SYSTEM, " a.jansen@example.ORG ") == [case]
    assert find_cases_by_phone(session, SYSTEM, "+31 6 1234 5678") == [case]
    assert find_cases_by_address(session, SYSTEM, "1234ab", "12A") == [case]
    assert set(find_cases_by_address(session, SYSTEM, "1234 AB", "12")) == {other}
    assert find_cases_by_bsn(session, SYSTEM, "100000009") == []


def test_index_follows_changes(session, make_case):
    case = make_case(bsn="111222333")
    person = case.persons[0]
    update_person(session, SYSTEM, person, bsn="123456782", email=None, house_number="14")
    assert find_cases_by_bsn(session, SYSTEM, "111222333") == []
    assert find_cases_by_bsn(session, SYSTEM, "123456782") == [case]
    assert find_cases_by_email(session, SYSTEM, "a.jansen@example.org") == []
    assert find_cases_by_address(session, SYSTEM, "1234AB", "12") == []
    assert find_cases_by_address(session, SYSTEM, "1234AB", "14") == [case]
    assert {row.field for row in person.blind_indexes} == {"bsn", "address", "phone"}


def test_household_members_are_found_too(session, make_case):
    child = PersonData(surname="Jansen", bsn="123456782", minor=True)
    case = make_case(members=(child,))
    assert find_cases_by_bsn(session, SYSTEM, "123456782") == [case]


def test_look_ups_decrypt_only_candidates(session, make_case):
    """A broken ciphertext in another row would fail any decryption of it: it is never read."""
    wanted = make_case(bsn="111222333")
    broken = make_case(bsn="123456782").persons[0]
    session.execute(
        update(Person).where(Person.id == broken.id).values(bsn=Sealed(b"\x01" + b"\x00" * 60))
    )
    session.expire_all()
    assert find_cases_by_bsn(session, SYSTEM, "111222333") == [wanted]


def test_a_false_candidate_is_dropped(session, make_case):
    """Two people made to share a digest (a collision): only the real match is returned."""
    first = make_case(bsn="111222333")
    second = make_case(bsn="123456782")
    digest = first.persons[0].blind_indexes[0]
    session.execute(
        update(BlindIndex)
        .where(BlindIndex.person_id == second.persons[0].id, BlindIndex.field == digest.field)
        .values(digest=digest.digest)
    )
    assert find_cases_by_bsn(session, SYSTEM, "111222333") == [first]


def test_other_organisations_find_nothing(session, make_case, make_user):
    make_case("corporatie", bsn="111222333")
    outsider = make_user("schuldhulp")
    actor = Actor(kind="staff", user_id=outsider.id, organisation_id=outsider.organisation_id)
    assert find_cases_by_bsn(session, actor, "111222333") == []


def test_look_ups_are_audited_without_the_value(session, make_case):
    make_case(bsn="111222333")
    find_cases_by_bsn(session, SYSTEM, "111222333")
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "case.search" and event.detail_dict == {"by": "bsn", "results": 1}
    assert "111222333" not in str(event.detail) and event.category_list == ["identity"]


def test_invalid_search_input_is_a_clear_error(session):
    with pytest.raises(DomainError) as caught:
        find_cases_by_bsn(session, SYSTEM, "123456789")
    assert "BSN" in caught.value.message
