"""The printed receipts: one page for a normal consent, times in the portal's time zone
without seconds or a UTC offset, and lists with the comma of the reader's language."""

from __future__ import annotations

import subprocess
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from consent.models import ConsentEvent
from tests.consent.test_professional import pdf_text
from tests.consent.test_receipt import _given

LOCAL = ZoneInfo("Europe/Amsterdam")
#: What a raw date-time format adds and a reader does not need.
OFFSETS = ("+0100", "+0200", "+0000", "UTC", "GMT", "CET", "CEST")
#: A normal consent: the debt coach and welfare each get some of what they ask.
NORMAL = [["household", "contact_history"], ["finances", "household"]]


def pages(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    line = next(x for x in info.stdout.decode().splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


@pytest.mark.parametrize("language", ["nl", "en", "tr", "ar"])
def test_the_receipt_of_a_normal_consent_fits_one_page(client, session, world, sms_box, language):
    records = _given(client, session, world, sms_box, NORMAL, language)
    data = client.get(f"/toestemming/bewijs/{records[0].receipt_id}.pdf").data
    assert pages(data) == 1
    text = pdf_text(data)
    assert not [offset for offset in OFFSETS if offset in text]


def test_the_receipt_shows_the_local_time_to_the_minute(client, session, world, sms_box):
    records = _given(client, session, world, sms_box, NORMAL)
    text = pdf_text(client.get(f"/toestemming/bewijs/{records[0].receipt_id}.pdf").data)
    given = records[0].given_at.astimezone(LOCAL)
    expected = f"{format_date(given.date(), 'long', locale='nl')}, {given:%H:%M}"
    assert f"Gegeven op {expected}" in text
    assert f"{given:%H:%M:%S}" not in text


def test_the_withdrawal_receipt_fits_one_page_with_a_plain_time(client, session, world, sms_box):
    records = _given(client, session, world, sms_box, NORMAL)
    record = records[0]
    client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["household"]})
    event = session.scalars(select(ConsentEvent).where(ConsentEvent.record_id == record.id)).one()
    data = client.get(f"/toestemming/intrekking/{event.id}.pdf").data
    assert pages(data) == 1
    text = pdf_text(data)
    at = event.occurred_at.astimezone(LOCAL)
    assert f"Ingetrokken op {format_date(at.date(), 'long', locale='nl')}, {at:%H:%M}" in text
    assert not [offset for offset in OFFSETS if offset in text]


def test_arabic_lists_use_the_arabic_comma(client, session, world, sms_box):
    records = _given(client, session, world, sms_box, NORMAL, "ar")
    from portal.covenant.rules import active_covenant

    names = active_covenant(session).categories
    household, history = names["household"].name.get("ar"), names["contact_history"].name.get("ar")
    # The statement the tenant confirmed, and the pages and the receipt that list her choice.
    assert f"{household}، {history}" in records[0].text.body
    assert f"{household}, {history}" not in records[0].text.body
    done = client.get(f"/toestemming/klaar/{records[0].receipt_id}").get_data(as_text=True)
    assert f"{household}، {history}" in done and f"{household}, {history}" not in done
    mine = client.get("/toestemming/mijn").get_data(as_text=True)
    assert f"{household}، {history}" in mine and f"{household}, {history}" not in mine
    text = pdf_text(client.get(f"/toestemming/bewijs/{records[0].receipt_id}.pdf").data)
    assert "،" in text and "," not in text  # poppler gives Arabic in visual order


def test_dutch_lists_keep_the_latin_comma(client, session, world, sms_box):
    records = _given(client, session, world, sms_box, NORMAL)
    assert "Huishouden, Contactgeschiedenis" in records[0].text.body
    done = client.get(f"/toestemming/klaar/{records[0].receipt_id}").get_data(as_text=True)
    assert "Huishouden, Contactgeschiedenis" in done
