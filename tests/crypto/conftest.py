"""Fixtures for the field-encryption tests: cases with a household, and isolated apps.

``make_case`` (in tests/conftest.py) works inside the rolled-back ``session``. ``fresh_app``
gives a new migrated database (SQLite file, or a PostgreSQL database) and apps on it whose
commits are real, for rotation, shredding and the canary test; its engines are disposed
afterwards.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from stdnum.nl import bsn as stdnum_bsn

from portal import create_app
from tests.conftest import SYSTEM, Databases, main_tenant, make_test_config, migrate  # noqa: F401


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def fake_bsns() -> Iterator[str]:
    """Fictional BSNs that pass the elfproef (as real ones must)."""
    for n in range(100_000_000, 999_999_999, 7):
        candidate = f"{n:09d}"
        if stdnum_bsn.is_valid(candidate):
            yield candidate


@pytest.fixture
def fresh_app(backend: str, databases: Databases, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make(**config)``: an app on this test's own migrated database (commits are real)."""
    url = databases.fresh(backend, "crypto")
    migrate(url)
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        app = create_app(make_test_config(url, tmp_path / "instance", **overrides))
        apps.append(app)
        return app

    make.url = url  # type: ignore[attr-defined]
    yield make
    for app in apps:
        app.extensions["kp_db"].engine.dispose()
