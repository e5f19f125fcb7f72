"""Fixtures for the covenant: the demo covenant's source, its partners, loading and accepting."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.covenant import service
from portal.covenant.models import CovenantVersion
from portal.demo import DEMO_COVENANT, ORGANISATIONS

DEMO_SLUGS = tuple(slug for slug, _name in ORGANISATIONS)


@pytest.fixture
def demo_text() -> str:
    return DEMO_COVENANT.read_text(encoding="utf-8")


@pytest.fixture
def partners(make_org):
    """The five demo partner organisations, by slug."""
    return {slug: make_org(slug, name) for slug, name in ORGANISATIONS}


@pytest.fixture
def load_covenant(session: Session, partners):
    """Load a covenant source (default: the demo covenant) as a draft version."""

    def load(source: str | bytes | None = None) -> CovenantVersion:
        if source is None:
            source = DEMO_COVENANT.read_bytes()
        if isinstance(source, str):
            source = source.encode("utf-8")
        return service.load_version(session, Actor.system("test"), source).version

    return load


@pytest.fixture
def admins(make_user, partners):
    """One org_admin per demo partner."""
    return {slug: make_user(slug, ("org_admin",)) for slug in DEMO_SLUGS}
