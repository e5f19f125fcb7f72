"""Signal import: the CLI and the upload page refuse a bad file whole, row by row and column
by column; a good file opens cases, and a repeated signal updates the household's open case."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.cases.intake import SignalInput, import_signals, signal_from_row
from portal.cases.models import BlindIndex, Case, ImportJob, Person, Signal
from portal.cases.service import PersonData
from portal.cases.signal_csv import parse
from portal.crypto.fields import decrypt_field, index_digest
from tests.cases.conftest import HEADER, csv_bytes, row
from tests.conftest import SYSTEM

GOOD = row()
OTHER = row("123456782", tenant_number="H-1002", surname="Voorbeeld", postcode="9999 ZZ")

#: (name, file, expected (line, column) errors). Every file holds at least one good row,
#: so "nothing imported" means something.
MALFORMED = [
    ("bsn fails the elfproef", csv_bytes(GOOD, row("111222334")), [(3, "bsn")]),
    (
        "impossible date",
        csv_bytes(GOOD, row("123456782", birth_date="2023-02-30")),
        [(3, "birth_date")],
    ),
    ("amount with letters", csv_bytes(row(amount="12,5O"), OTHER), [(2, "arrears_amount")]),
    (
        "bad postcode and phone",
        csv_bytes(GOOD, row("123456782", postcode="12345", phone="12")),
        [(3, "postcode"), (3, "phone")],
    ),
    ("duplicate BSN", csv_bytes(GOOD, OTHER, row("111222333", tenant_number="H-9")), [(4, "bsn")]),
    (
        "missing column",
        csv_bytes(GOOD, header=HEADER.replace("arrears_months;", "")),
        [(1, "arrears_months")],
    ),
    ("too few cells", csv_bytes(GOOD, "H-2;123456782;Kort"), [(3, "")]),
    (
        "future signal",
        csv_bytes(GOOD, row("123456782", signal_date="2099-01-01")),
        [(3, "signal_date")],
    ),
    (
        "neither UTF-8 nor Windows-1252",
        csv_bytes(GOOD).replace(b"Testpersoon", b"Testp\x81rsoon"),
        [(0, "")],
    ),
    ("empty file", b"", [(0, "")]),
]


def counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count(Case.id))),
        session.scalar(select(func.count(Person.id))),
        session.scalar(select(func.count(Signal.id))),
    )


@pytest.mark.parametrize(("name", "data", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_cli_refuses_a_bad_file_whole(app, session, make_org, tmp_path, name, data, expected):
    make_org("corporatie")
    before = counts(session)
    path = tmp_path / "signalen.csv"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(
        args=["signals", "import", str(path), "--org", "corporatie"]
    )
    assert result.exit_code == 1, result.output
    for line, column in expected:
        where = f"regel {line}" if line else "bestand"
        assert re.search(rf"^{where}, {column or '-'}: \S", result.stderr, re.M), result.stderr
    assert "nothing was imported" in result.stderr
    assert counts(session) == before


@pytest.mark.parametrize(("name", "data", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_upload_refuses_a_bad_file_whole(signed_in, session, name, data, expected):
    """The upload page answers with the report; the job's row keeps where, why and a value
    that is no personal data, never the tenant number."""
    before = counts(session)
    response = upload(signed_in, data)
    assert response.status_code == 400
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.status == "failed"
    assert [(e["line"], e["column"]) for e in job.errors] == expected
    keys = {"line", "column", "reason", "value", "personal"}
    assert all(e["reason"] and set(e) == keys for e in job.errors)
    assert "H-10" not in json.dumps(job.errors)  # the tenant numbers (row() makes H-1001)
    assert counts(session) == before
    for page in (
        response.get_data(as_text=True),
        signed_in.get(f"/casussen/import/{job.id}").get_data(as_text=True),
    ):
        assert "Er is niets geïmporteerd" in page
        for line, column in expected:
            if line:
                assert f">{line}</td>" in page
            if column:
                assert f">{column}</td>" in page


def upload(client, data: bytes, filename: str = "signalen.csv"):
    import io

    token = client.csrf_token("/casussen/import")
    return client.post(
        "/casussen/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_cli_imports_a_good_file_with_a_progress_bar(app, session, make_org, tmp_path):
    make_org("corporatie")
    path = tmp_path / "signalen.csv"
    path.write_bytes(csv_bytes(GOOD, OTHER))
    result = app.test_cli_runner().invoke(
        args=["signals", "import", str(path), "--org", "corporatie"]
    )
    assert result.exit_code == 0, result.output
    assert "Importing signals" in result.output
    assert "2 new case(s), 0 updated" in result.output
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "signals.import")).one()
    assert event.actor_kind == "system" and event.detail_dict["created"] == 2
    assert sum(b - a + 1 for a, b in event.detail_dict["cases_created"]) == 2


def test_cli_needs_a_known_organisation(app, session, tmp_path):
    path = tmp_path / "signalen.csv"
    path.write_bytes(csv_bytes(GOOD))
    result = app.test_cli_runner().invoke(args=["signals", "import", str(path), "--org", "nope"])
    assert result.exit_code != 0 and "no organisation" in result.output


def test_upload_imports_and_reports_row_by_row(signed_in, session):
    response = upload(signed_in, csv_bytes(GOOD, OTHER))
    job_url = response.headers["Location"]
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.status == "done" and (job.created_count, job.updated_count) == (2, 0)
    assert [r["line"] for r in job.report] == [2, 3]
    page = signed_in.get(job_url).get_data(as_text=True)
    for entry in job.report:
        assert entry["reference"] in page
    assert "Nieuwe casus geopend" in page
    # The progress fragment: htmx is sent to the finished page, a plain browser too.
    fragment = signed_in.get(f"{job_url}/voortgang", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"] == job_url
    assert "HX-Request" in fragment.headers["Vary"]
    assert signed_in.get(f"{job_url}/voortgang").status_code == 302


def test_progress_fragment_polls_while_the_job_runs(signed_in, session, caseworker):
    job = ImportJob(
        organisation_id=caseworker.organisation_id,
        status="saving",
        total_rows=200,
        processed_rows=50,
    )
    session.add(job)
    session.flush()
    fragment = signed_in.get(
        f"/casussen/import/{job.id}/voortgang", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and 'value="25"' in fragment
    assert "50 van 200 regels" in fragment
    page = signed_in.get(f"/casussen/import/{job.id}").get_data(as_text=True)
    assert "Deze pagina verversen" in page and "http-equiv" not in page


def test_a_job_silent_for_long_is_marked_failed(signed_in, session, caseworker):
    from datetime import timedelta

    from portal.db import utcnow

    job = ImportJob(
        organisation_id=caseworker.organisation_id,
        status="saving",
        total_rows=10,
        heartbeat_at=utcnow() - timedelta(hours=1),
    )
    session.add(job)
    session.flush()
    page = signed_in.get(f"/casussen/import/{job.id}").get_data(as_text=True)
    assert job.status == "failed" and "Er is niets geïmporteerd" in page


def test_upload_needs_a_file(signed_in):
    response = signed_in.post(
        "/casussen/import", data={"csrf_token": signed_in.csrf_token("/casussen/import")}
    )
    assert response.status_code == 400 and "Kies een bestand" in response.get_data(as_text=True)


def test_reimport_updates_the_open_case_instead_of_a_duplicate(session, make_org):
    org = make_org("corporatie")
    first = parse(csv_bytes(GOOD, OTHER))
    import_signals(session, SYSTEM, org, [signal_from_row(r) for r in first.rows])
    # A month later: more arrears, a new phone number, no e-mail (empty stays allowed).
    later = parse(
        csv_bytes(
            row(amount="2.000,00", months="3", phone="0687654321", signal_date="2026-11-15"),
            row(
                "123456782",
                tenant_number="H-1002",
                surname="Voorbeeld",
                postcode="9999 ZZ",
                phone="",
                email="",
            ),
        )
    )
    assert later.ok, later.errors
    result = import_signals(session, SYSTEM, org, [signal_from_row(r) for r in later.rows])
    assert (result.created, result.updated) == (0, 2)
    assert session.scalar(select(func.count(Case.id))) == 2
    case = session.get(Case, result.outcomes[0].case_id)
    session.refresh(case)
    assert decrypt_field(case, "arrears_cents") == 200_000
    assert decrypt_field(case, "arrears_months") == 3
    assert str(decrypt_field(case, "arrears_since")) == "2026-08-01"
    assert decrypt_field(case.persons[0], "phone") == "+31687654321"
    assert len(case.signals) == 2
    # The second household kept its phone: an empty cell does not erase what is known.
    other = session.get(Case, result.outcomes[1].case_id)
    assert decrypt_field(other.persons[0], "phone") == "+31612345678"


def test_a_closed_case_gets_a_new_one(session, make_org):
    from portal.cases.service import update_case

    org = make_org("corporatie")
    rows = [signal_from_row(r) for r in parse(csv_bytes(GOOD)).rows]
    first = import_signals(session, SYSTEM, org, rows).outcomes[0]
    update_case(session, SYSTEM, session.get(Case, first.case_id), status="closed")
    again = import_signals(session, SYSTEM, org, rows)
    assert again.created == 1 and again.outcomes[0].case_id != first.case_id


def test_another_organisations_case_is_not_updated(session, make_org):
    rows = [signal_from_row(r) for r in parse(csv_bytes(GOOD)).rows]
    import_signals(session, SYSTEM, make_org("corporatie"), rows)
    other = import_signals(session, SYSTEM, make_org("woonbron"), rows)
    assert other.created == 1


def test_a_thousand_generated_rows_import_in_one_go(session, make_org):
    """The benchmark's own file (bench/ measures 10,000 rows; RESULTS.md) imports whole."""
    from bench.cases import signal_file

    org = make_org("corporatie")
    parsed = parse(signal_file(1_000))
    assert parsed.ok, parsed.errors[:3]
    result = import_signals(session, SYSTEM, org, [signal_from_row(r) for r in parsed.rows])
    session.flush()
    assert result.created == 1_000


def test_one_import_at_a_time_per_organisation(signed_in, session, caseworker):
    running = ImportJob(organisation_id=caseworker.organisation_id, status="saving")
    session.add(running)
    session.commit()
    response = upload(signed_in, csv_bytes(GOOD))
    assert response.status_code == 409
    assert "Er loopt al een import" in response.get_data(as_text=True)
    assert counts(session)[0] == 0


def test_imported_rows_hold_what_a_flush_would_write(session, make_org):
    """The bulk path seals and indexes like the unit of work: every field opens with
    ``decrypt_field`` as its normal form, and each blind index is the digest a flush
    computes from those values (loosely written values, normalised once by the service)."""
    tenant = PersonData(
        surname=" de  Vries ",
        initials="J.",
        birth_date=date(1970, 5, 6),
        bsn="1112.22.333",
        phone="06 12 34 56 78",
        email=" J.deVries@Example.ORG ",
        street="Kerkweg",
        house_number="12 a",
        postcode="1234 ab",
        city="Demostad",
        is_main_tenant=True,
    )
    signal = SignalInput(
        kinds=("arrears", "nuisance"),
        signal_date=date(2026, 11, 1),
        tenant=tenant,
        tenant_number="H-7",
        arrears_cents=12_345,
        arrears_months=2,
    )
    result = import_signals(session, SYSTEM, make_org("corporatie"), [signal])
    case = session.get(Case, result.outcomes[0].case_id)
    person = case.persons[0]
    assert {f: decrypt_field(person, f) for f in ("surname", "bsn", "phone", "email")} == {
        "surname": "de Vries",
        "bsn": "111222333",
        "phone": "+31612345678",
        "email": "j.devries@example.org",
    }
    assert (decrypt_field(person, "house_number"), decrypt_field(person, "postcode")) == (
        "12A",
        "1234AB",
    )
    assert decrypt_field(case, "arrears_cents") == 12_345
    assert decrypt_field(case, "arrears_months") == 2
    assert decrypt_field(case.signals[0], "arrears_months") == 2
    stored = dict(
        session.execute(
            select(BlindIndex.field, BlindIndex.digest).where(BlindIndex.person_id == person.id)
        ).all()
    )
    flushed = {
        field: index_digest(session, field, [decrypt_field(person, s) for s in sources])
        for field, sources in Person.__blind_indexes__.items()
    }
    assert stored == flushed
    assert set(stored) == {"bsn", "address", "email", "phone"}


def test_a_refusal_of_the_service_names_the_line_of_the_file(app, session, make_org, caseworker):
    """A rule only the service knows (the parser passed the row) still says which line."""
    from dataclasses import replace

    from portal.actor import staff_actor
    from portal.cases import jobs
    from portal.workdays import local_today

    organisation = make_org("corporatie")
    actor = staff_actor(caseworker)
    (good,) = parse(csv_bytes(row(signal_date=local_today().isoformat())), today=None).rows
    bad = replace(good, line=3, bsn="123456782", arrears_months=5_000)
    job = jobs.start_job(session, actor, organisation, "nl")
    session.commit()
    before = counts(session)
    jobs.import_rows(app, session, job.id, [good, bad], actor)
    session.refresh(job)
    assert job.status == "failed" and counts(session) == before
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "arrears_months")]
