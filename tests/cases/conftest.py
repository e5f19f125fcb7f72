"""The case tests reuse the crypto fixtures (``make_case``) and helpers."""

from tests.crypto.conftest import make_case  # noqa: F401 - a fixture, re-exported
