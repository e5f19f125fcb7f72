"""Fixtures for housing-fraud investigations: the demo covenant, the corporation's case and
caseworker, a partner, and small real files to upload."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfWriter

from handover.fraud import service
from portal.actor import staff_actor
from portal.workdays import local_today

GROUNDS = "Buren melden dat er een ander gezin in de woning woont."


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def owner(demo_covenant, make_user):
    return make_user("corporatie")


@pytest.fixture
def owner_actor(owner):
    return staff_actor(owner)


@pytest.fixture
def partner(demo_covenant, make_user):
    return make_user("schuldhulp")


@pytest.fixture
def case(owner, make_case):
    return make_case("corporatie", surname="Testpersoon")


@pytest.fixture
def investigation(session, owner_actor, case):
    return service.open_investigation(
        session,
        owner_actor,
        case,
        suspicion="sublet",
        opened_on=local_today() - timedelta(days=20),
        grounds=GROUNDS,
    )


@pytest.fixture
def visited(session, owner_actor, investigation):
    """The investigation with a house-visit report."""
    service.add_entry(
        session,
        owner_actor,
        investigation,
        kind="house_visit",
        happened_on=local_today() - timedelta(days=10),
        visitors="S. de Vries",
        text="Een ander gezin woont er; de huurder niet.",
    )
    return investigation
