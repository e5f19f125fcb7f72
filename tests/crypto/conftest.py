"""Fixtures for the field-encryption tests: cases with a household, and isolated apps.

``make_case`` works inside the per-test rolled-back ``session``. ``fresh_app`` gives a new
migrated database (SQLite file, or a PostgreSQL database) and apps on it whose commits are
real, for rotation, shredding and the canary test; its engines are disposed afterwards.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from stdnum.nl import bsn as stdnum_bsn

from portal import create_app
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.service import PersonData, create_case
from tests.conftest import Databases, make_test_config, migrate

SYSTEM = Actor.system("test")


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def fake_bsns() -> Iterator[str]:
    """Fictional BSNs that pass the elfproef (as real ones must)."""
    for n in range(100_000_000, 999_999_999, 7):
        candidate = f"{n:09d}"
        if stdnum_bsn.is_valid(candidate):
            yield candidate


def main_tenant(**overrides) -> PersonData:
    values = {
        "surname": "Jansen",
        "initials": "A.",
        "birth_date": date(1980, 5, 17),
        "bsn": "111222333",
        "phone": "06 12345678",
        "email": "a.jansen@example.org",
        "street": "Dorpsstraat",
        "house_number": "12",
        "postcode": "1234 AB",
        "city": "Demostad",
        "is_main_tenant": True,
    }
    values.update(overrides)
    return PersonData(**values)


@pytest.fixture
def make_case(session, make_org) -> Callable[..., Case]:
    """Create a case with a main tenant (and optional other members) through the service."""

    def make(
        org: str = "corporatie",
        *,
        members: tuple[PersonData, ...] = (),
        arrears_cents: int | None = 12_345,
        actor: Actor = SYSTEM,
        **tenant: object,
    ) -> Case:
        return create_case(
            session,
            actor,
            make_org(org),
            [main_tenant(**tenant), *members],
            arrears_cents=arrears_cents,
        )

    return make


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
