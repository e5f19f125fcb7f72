"""Property tests for the small security primitives: sealing, TOTP steps, recovery codes,
address truncation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.accounts import mfa
from portal.accounts.sealing import SealError, seal, unseal
from portal.actor import truncate_address

keys = st.text(min_size=1, max_size=64)
texts = st.text(max_size=200)
aads = st.text(min_size=1, max_size=60)
times = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(keys, texts, aads)
def test_seal_round_trips(key, plaintext, aad):
    assert unseal(key, seal(key, plaintext, aad), aad) == plaintext


@given(keys, texts, aads, aads)
def test_sealed_value_is_bound_to_its_place(key, plaintext, aad, other):
    sealed = seal(key, plaintext, aad)
    if other != aad:
        with pytest.raises(SealError):
            unseal(key, sealed, other)


@given(keys, keys, texts, aads)
def test_sealed_value_needs_its_key(key, other_key, plaintext, aad):
    sealed = seal(key, plaintext, aad)
    if other_key != key:
        with pytest.raises(SealError):
            unseal(other_key, sealed, aad)


@given(keys, st.text(min_size=8, max_size=50), aads, st.data())
def test_any_change_to_a_sealed_value_is_detected(key, plaintext, aad, data):
    sealed = seal(key, plaintext, aad)
    i = data.draw(st.integers(min_value=3, max_value=len(sealed) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    )
    tampered = sealed[:i] + replacement + sealed[i + 1 :]
    if tampered != sealed:
        with pytest.raises(SealError):
            unseal(key, tampered, aad)


def test_sealing_is_randomised_and_never_plaintext():
    a, b = seal("k", "JBSWY3DPEHPK3PXP", "x"), seal("k", "JBSWY3DPEHPK3PXP", "x")
    assert a != b and "JBSWY3DPEHPK3PXP" not in a
    for bad in ("", "s1:", "s2:abc", "s1:!!!", "s1:AAAA"):
        with pytest.raises(SealError):
            unseal("k", bad, "x")


@settings(max_examples=50)
@given(times, st.integers(min_value=-1, max_value=1))
def test_code_is_accepted_within_one_step_of_clock_drift(now, drift):
    secret = mfa.new_secret()
    step = mfa.time_step(now) + drift
    code = mfa.code_at(secret, step)
    assert mfa.matching_step(secret, code, now, None) in {
        step,
        *(s for s in range(step - 2, step + 3) if mfa.code_at(secret, s) == code),
    }


@settings(max_examples=50)
@given(times)
def test_code_is_not_accepted_twice_nor_far_from_its_time(now):
    secret = mfa.new_secret()
    code = mfa.current_code(secret, now)
    step = mfa.matching_step(secret, code, now, None)
    assert step is not None
    assert mfa.matching_step(secret, code, now, step) is None  # replay
    later = now + timedelta(minutes=5)
    if all(
        mfa.code_at(secret, s) != code
        for s in range(mfa.time_step(later) - 1, mfa.time_step(later) + 2)
    ):
        assert mfa.matching_step(secret, code, later, None) is None


@given(st.text(max_size=20))
def test_malformed_codes_are_refused(code):
    secret = mfa.new_secret()
    now = datetime(2026, 11, 22, tzinfo=UTC)
    normalised = mfa.normalise_code(code)
    if not (len(normalised) == 6 and normalised.isascii() and normalised.isdigit()):
        assert mfa.matching_step(secret, code, now, None) is None


def test_recovery_codes_are_long_distinct_and_hash_per_user():
    codes = mfa.new_recovery_codes()
    assert len(set(codes)) == 10 and all(len(c) == 19 for c in codes)
    code = codes[0]
    assert mfa.recovery_code_hash(1, code) == mfa.recovery_code_hash(
        1, code.upper().replace("-", " ")
    )
    assert mfa.recovery_code_hash(1, code) != mfa.recovery_code_hash(2, code)


def test_qr_is_a_png_data_uri():
    uri = mfa.qr_data_uri(mfa.provisioning_uri(mfa.new_secret(), "a@b.example"))
    assert uri.startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    ("address", "truncated"),
    [
        ("192.0.2.77", "192.0.2.0/24"),
        ("2001:db8:abcd:12:1::7", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", None),
        (None, None),
    ],
)
def test_client_address_is_truncated(address, truncated):
    assert truncate_address(address) == truncated


@given(st.ip_addresses())
def test_truncated_address_contains_the_address(ip):
    import ipaddress

    network = ipaddress.ip_network(truncate_address(str(ip)))
    mapped = getattr(ip, "ipv4_mapped", None) or ip
    assert mapped in network and network.prefixlen in (24, 48)
