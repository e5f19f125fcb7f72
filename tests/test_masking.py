"""Masked addresses and numbers keep a hint for telling messages apart, never the value."""

from __future__ import annotations

import pytest

from portal.masking import mask_email, mask_phone


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("jan.jansen@example.nl", "j***@e***.nl"),
        ("ontvanger0@partner.example", "o***@p***.example"),
        ("a@b.c", "a***@b***.c"),
        ("root@localhost", "r***@l***"),
        ("geen-adres", "***"),
        ("", "***"),
    ],
)
def test_mask_email(address, masked):
    assert mask_email(address) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("0612345678", "06******78"),
        ("06 12345678", "06******78"),
        ("+31612345678", "+31*******78"),
        ("12345", "*****"),
        ("", "***"),
    ],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked
