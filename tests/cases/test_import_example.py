"""The example monthly file on the upload page: it imports without a single error, through
the same parser and service as an upload, and the page says which files it takes."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from stdnum.nl import bsn

from portal.cases.intake import import_signals, signal_from_row
from portal.cases.models import ImportJob
from portal.cases.signal_csv import parse
from portal.cases.views.intake import EXAMPLE_DAY, EXAMPLE_FILE, example_file
from portal.workdays import local_today
from tests.conftest import SYSTEM

ROWS = 5


def test_the_example_is_valid_on_the_day_it_was_made(session, make_org):
    data = EXAMPLE_FILE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # as Excel's CSV UTF-8
    parsed = parse(data, today=EXAMPLE_DAY)
    assert parsed.errors == [] and len(parsed.rows) == ROWS
    assert (parsed.encoding, parsed.column_set, parsed.ignored_columns) == ("UTF-8", "vng", [])
    assert all(bsn.is_valid(row.bsn) for row in parsed.rows)  # fictional, elfproef passes
    assert all(row.tenant_number for row in parsed.rows)
    result = import_signals(
        session, SYSTEM, make_org("corporatie"), [signal_from_row(r) for r in parsed.rows]
    )
    assert result.created == ROWS


def test_the_download_moves_the_dates_and_keeps_the_rest():
    later = EXAMPLE_DAY + timedelta(days=400)
    moved = parse(example_file(later), today=later)
    assert moved.errors == [] and len(moved.rows) == ROWS
    original = parse(EXAMPLE_FILE.read_bytes(), today=EXAMPLE_DAY).rows
    for before, after in zip(original, moved.rows, strict=True):
        assert after.signal_date == before.signal_date + timedelta(days=400)
        assert after.arrears_since == before.arrears_since + timedelta(days=400)
        assert (after.bsn, after.surname, after.arrears_cents) == (
            before.bsn,
            before.surname,
            before.arrears_cents,
        )
    assert example_file(EXAMPLE_DAY) == EXAMPLE_FILE.read_bytes()


def test_the_downloaded_example_uploads_without_an_error(signed_in, session):
    download = signed_in.get("/casussen/import/voorbeeld.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert 'filename="huurachterstand-voorbeeld.csv"' in download.headers["Content-Disposition"]
    assert parse(download.data, today=local_today()).errors == []
    token = signed_in.csrf_token("/casussen/import")
    response = signed_in.post(
        "/casussen/import",
        data={"csrf_token": token, "file": (io.BytesIO(download.data), "voorbeeld.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.status == "done" and job.errors == []
    assert job.created_count + job.updated_count == ROWS


def test_the_upload_page_says_which_files_it_takes(signed_in):
    html = signed_in.get("/casussen/import").get_data(as_text=True)
    assert 'href="/casussen/import/voorbeeld.csv"' in html
    for words in ("CSV (.csv)", "UTF-8", "Windows-1252", "ISO-8859-1", "UTF-16", "puntkomma"):
        assert words in html, words
    assert "xlsx" in html and "20 MB" in html and "100.000 regels" in html
    assert "Burgerservicenummer" in html and "tenant_number" in html


def test_the_example_is_for_casework_only(client, make_user, login):
    assert client.get("/casussen/import/voorbeeld.csv").status_code == 302  # sign in first
    login(client, make_user("corporatie", ("auditor",)))
    assert client.get("/casussen/import/voorbeeld.csv").status_code == 403
