"""Records and events are immutable (the ORM and a database trigger refuse UPDATE); personal
fields are ciphertext at rest; the SMS backends; every consent string is translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from consent import service, sms
from consent.models import ConsentEvent
from portal import ROOT
from tests.consent.conftest import PURPOSE

PDF = b"%PDF-1.4 form"


def _record(session, world, **kwargs):
    items = [
        {
            "role": "debt_coach",
            "organisation_id": world.orgs["schuldhulp"].id,
            "categories": ["household"],
        }
    ]
    (record,) = service.record_offline(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=PURPOSE,
        items=items,
        method="paper",
        language="nl",
        valid_days=365,
        evidence=service.Evidence(PDF, "application/pdf"),
        **kwargs,
    ).records
    session.flush()
    return record


def test_orm_refuses_to_change_a_record(session, world):
    record = _record(session, world)
    record.categories = ["household", "life_map"]
    with pytest.raises(RuntimeError, match="immutable"):
        session.flush()
    session.rollback()


def test_database_refuses_to_change_a_record_or_an_event(session, world):
    record = _record(session, world)
    service.withdraw(session, world.actor(world.owner), record, None, method="verbal")
    for statement in (
        "UPDATE consent_record SET purpose = 'other' WHERE id = :id",
        "UPDATE consent_event SET kind = 'expired' WHERE record_id = :id",
    ):
        with pytest.raises(DatabaseError, match="immutable"), session.begin_nested():
            session.execute(text(statement), {"id": record.id})
    assert session.get(ConsentEvent, record.events[0].id).kind == "withdrawn"


def test_personal_fields_are_ciphertext_at_rest(session, world):
    rep = service.Representative(name="Canary Vertegenwoordiger", mandate="curator")
    record = _record(session, world, representative=rep, notes="Canary notitie")
    row = session.execute(
        text(
            "SELECT representative_name, representative_mandate, notes FROM consent_record"
            " WHERE id = :id"
        ),
        {"id": record.id},
    ).one()
    for value in row:
        assert b"Canary" not in bytes(value) and b"curator" not in bytes(value)


def test_file_backend_writes_text_messages_to_the_instance_with_the_number_masked(tmp_path):
    sender = sms.FileSender(tmp_path / "sms")
    sender.send("+31612345678", "Uw code is 123456")
    sender.send("06 87654321", "Uw code is 654321")
    first, second = sorted((tmp_path / "sms").iterdir(), key=lambda p: p.read_text())
    assert first.read_text().startswith("To: +31*******78\n") and "123456" in first.read_text()
    assert second.read_text().startswith("To: 06******21\n") and "654321" in second.read_text()
    for written, digits in ((first, "61234567"), (second, "876543")):
        assert digits not in written.read_text()


def test_text_messages_wait_for_the_commit(app, session, sms_box):
    sms.queue(session, "+31612345678", "one")
    assert sms_box == []
    session.rollback()
    assert sms_box == []
    sms.queue(session, "+31612345678", "two")
    session.commit()
    assert sms_box == [("+31612345678", "two")]


def test_an_adapter_is_loaded_by_name(app):
    app.config["SMS_BACKEND"] = "tests.consent.test_records:make_test_gateway"
    try:
        sender = sms.make_sender(app)
    finally:
        app.config["SMS_BACKEND"] = "memory"
    assert isinstance(sender, sms.MemorySender)


def make_test_gateway(config):
    """A stand-in gateway adapter (``module:factory``)."""
    return sms.MemorySender()


CONSENT_SOURCES = ("consent/", "templates/consent/")


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_every_consent_string_is_translated(lang):
    path = Path(ROOT, "portal", "translations", lang, "LC_MESSAGES", "messages.po")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    missing = [
        message.id
        for message in catalog
        if message.id
        and any(loc.startswith(CONSENT_SOURCES) for loc, _line in message.locations)
        and (not message.string or message.fuzzy)
    ]
    assert missing == []
