"""The ciphertext format and value kinds, as properties (no database)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from portal.crypto import aead
from portal.crypto.errors import DecryptionError

KEY = AESGCM(AESGCM.generate_key(bit_length=256))
OTHER_KEY = AESGCM(AESGCM.generate_key(bit_length=256))
ROW = uuid.UUID(int=1)
CONTEXT = aead.row_context("person", "surname", ROW)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
VALUES = {
    "str": st.text(),
    "date": st.dates(),
    "money": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "json": json_values,
}


def _roundtrip(kind, value):
    blob = aead.seal(KEY, 7, aead.encode_value(kind, value), CONTEXT)
    assert aead.key_id_of(blob) == 7
    return aead.decode_value(kind, aead.unseal(KEY, blob, CONTEXT))


@given(st.text())
def test_strings_round_trip(value):
    assert _roundtrip("str", value) == value


@given(st.dates())
def test_dates_round_trip(value):
    assert _roundtrip("date", value) == value


@given(VALUES["money"])
def test_money_round_trips(value):
    assert _roundtrip("money", value) == value


@given(json_values)
def test_json_round_trips(value):
    assert _roundtrip("json", value) == value


@given(st.sampled_from(sorted(VALUES)).flatmap(lambda k: st.tuples(st.just(k), VALUES[k])))
def test_every_seal_is_fresh_and_hides_length_of_money(kind_value):
    kind, value = kind_value
    plaintext = aead.encode_value(kind, value)
    first, second = (aead.seal(KEY, 1, plaintext, CONTEXT) for _ in range(2))
    assert first != second, "a random nonce per encryption"
    assert len(first) == len(plaintext) + aead.OVERHEAD
    if kind == "money":
        assert len(plaintext) == 8


@given(
    value=st.text(min_size=0, max_size=50),
    data=st.data(),
)
def test_any_flipped_byte_fails(value, data):
    blob = aead.seal(KEY, 3, aead.encode_value("str", value), CONTEXT)
    position = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    mask = data.draw(st.integers(min_value=1, max_value=255))
    tampered = bytearray(blob)
    tampered[position] ^= mask
    with pytest.raises(DecryptionError) as caught:
        aead.unseal(KEY, bytes(tampered), CONTEXT)
    assert caught.value.reason in {"unknown-format", "tampered"}


@given(st.binary(max_size=aead.OVERHEAD + 20), st.integers(min_value=0, max_value=60))
def test_truncated_or_random_bytes_fail(junk, cut):
    blob = aead.seal(KEY, 3, b"Jansen", CONTEXT)
    for candidate in (blob[:cut], junk):
        if candidate == blob:
            continue
        with pytest.raises(DecryptionError):
            aead.unseal(KEY, candidate, CONTEXT)


@given(
    table=st.sampled_from(["person", "case_file"]),
    column=st.sampled_from(["surname", "initials", "bsn"]),
    row=st.uuids(),
)
def test_another_row_column_or_table_fails(table, column, row):
    blob = aead.seal(KEY, 3, b"Jansen", CONTEXT)
    context = aead.row_context(table, column, row)
    if context == CONTEXT:
        assert aead.unseal(KEY, blob, context) == b"Jansen"
        return
    with pytest.raises(DecryptionError) as caught:
        aead.unseal(KEY, blob, context)
    assert caught.value.reason == "tampered"


@given(
    st.lists(st.tuples(st.binary(max_size=40), st.sampled_from(["surname", "bsn"])), max_size=12)
)
def test_sealing_many_at_once_is_sealing_each(fields):
    """``seal_many`` (a row's fields in a bulk import) gives what ``seal`` gives one by one:
    each blob opens with its own context only, and every nonce is fresh."""
    items = [(plaintext, aead.row_context("person", column, ROW)) for plaintext, column in fields]
    blobs = aead.seal_many(KEY, 5, items)
    assert len(blobs) == len(items)
    for blob, (plaintext, context) in zip(blobs, items, strict=True):
        assert aead.key_id_of(blob) == 5
        assert aead.unseal(KEY, blob, context) == plaintext
        with pytest.raises(DecryptionError):
            aead.unseal(KEY, blob, aead.row_context("person", "initials", ROW))
    nonces = {blob[aead.HEADER.size : aead.HEADER.size + aead.NONCE_BYTES] for blob in blobs}
    assert len(nonces) == len(blobs)


@given(st.integers())
def test_whole_numbers_encode_as_json_does(value):
    assert aead.encode_value("json", value) == json.dumps(value).encode()


def test_wrong_key_or_relabelled_key_id_fails():
    blob = aead.seal(KEY, 3, b"Jansen", CONTEXT)
    with pytest.raises(DecryptionError):
        aead.unseal(OTHER_KEY, blob, CONTEXT)
    relabelled = aead.HEADER.pack(aead.FORMAT_V1, 4) + blob[aead.HEADER.size :]
    with pytest.raises(DecryptionError):
        aead.unseal(KEY, relabelled, CONTEXT)


def test_unknown_format_version_is_refused():
    blob = aead.seal(KEY, 3, b"Jansen", CONTEXT)
    with pytest.raises(DecryptionError) as caught:
        aead.key_id_of(b"\x02" + blob[1:])
    assert caught.value.reason == "unknown-format"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("str", b"bytes"),
        ("str", 12),
        ("date", datetime(2020, 1, 1)),  # noqa: DTZ001 - a naive datetime is exactly the point
        ("date", "2020-01-01"),
        ("money", 12.5),
        ("money", True),
        ("money", 2**63),
        ("json", float("nan")),
        ("json", (1, 2)),
        ("json", {1: "a"}),
        ("json", object()),
    ],
)
def test_values_of_the_wrong_kind_are_refused(kind, value):
    with pytest.raises((TypeError, ValueError)):
        aead.encode_value(kind, value)


def test_the_error_message_names_no_data():
    blob = aead.seal(KEY, 3, b"Jansen 123456782", CONTEXT)
    with pytest.raises(DecryptionError) as caught:
        aead.unseal(OTHER_KEY, blob, CONTEXT)
    assert str(caught.value) == "decryption failed (tampered)"
    assert "Jansen" not in repr(caught.value)
