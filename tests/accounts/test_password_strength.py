"""Passwords are hashed at full strength outside the test configuration."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters

from portal.accounts.passwords import hash_password, needs_rehash, verify_password


def test_full_strength_outside_an_app_and_cheap_under_testing(app):
    with app.app_context():
        cheap = hash_password("pw")
        assert verify_password(cheap, "pw") and not verify_password(cheap, "nee")
    strong = hash_password("pw")  # no app: the production default
    default = PasswordHasher()
    assert extract_parameters(strong).memory_cost == default.memory_cost
    assert extract_parameters(strong).time_cost == default.time_cost
    assert extract_parameters(cheap).memory_cost < extract_parameters(strong).memory_cost
    # A cheap hash met at full strength is upgraded at the next sign-in.
    assert needs_rehash(cheap) and not needs_rehash(strong)
    assert verify_password(cheap, "pw")  # the parameters travel with the hash
