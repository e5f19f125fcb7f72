"""Imports as jobs on the queue (``portal.jobs``), with their progress on the job's row.

The upload view stores an ``ImportJob`` row and checks the file in the request
(``check_file``): a refused file is answered on the upload page itself, with the report
naming each row, its tenant number, the column, the refused value (never one of a column
with personal data: for those it says only that the value is invalid) and the reason. The
tenant number is personal data too (the case keeps it encrypted), so it lives only in that
response: the job's row, which is not encrypted, keeps where, why and the value of a column
without personal data (``RowError.stored``), and nothing writes the report to a log.

A checked file is sealed on the job's row with a data key of its own and the job goes on the
queue with nothing but its id; the view answers at once and the page polls the row. The
worker (another server, or a thread of the web process in the embedded setup) opens the
file, imports it in one transaction that commits together with the job's final status, and
destroys the key, done or failed: the file is then gone for good. A job waiting when a
process stopped is put back on the queue by the next worker (``portal.jobs.schedule``), and
its claim (queued -> saving, one guarded update) lets only one worker run it.

Progress: the worker writes the row's ``processed_rows`` from a second connection while
the import transaction is open. PostgreSQL allows that; SQLite has a single writer, so there
the row shows the phases and the page also reads the live count this process keeps in
memory (the embedded setup runs web and jobs in one process).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.audit.service import record
from portal.cases import signal_csv
from portal.cases.intake import import_signals, signal_from_row
from portal.cases.models import ImportJob
from portal.cases.service import DEFAULT_CONTACT_DAYS
from portal.cases.signal_csv import SignalRow
from portal.crypto import aead
from portal.crypto.service import cipher_for, create_data_key, destroy_data_key
from portal.db import utcnow
from portal.errors import Conflict, DomainError
from portal.extensions import db
from portal.jobs import claim_queued, enqueue
from portal.jobs.registry import job as background_job

log = logging.getLogger("portal.cases.jobs")

#: A running job without a sign of life for this long was interrupted (a restart).
STALE_AFTER = timedelta(minutes=10)
#: Rows between progress reports.
PROGRESS_EVERY = 500

_live: dict[int, int] = {}
_live_lock = threading.Lock()


def live_progress(job_id: int) -> int | None:
    """Rows done so far by a job running in this process (None if none runs here)."""
    with _live_lock:
        return _live.get(job_id)


def _set_live(job_id: int, done: int | None) -> None:
    with _live_lock:
        if done is None:
            _live.pop(job_id, None)
        else:
            _live[job_id] = done


def start_job(session: Session, actor: Actor, organisation: Organisation, locale: str) -> ImportJob:
    """The job's row; the caller commits, then calls ``submit``.

    One import at a time per organisation: a second upload while one runs is refused.
    """
    running = session.scalars(
        select(ImportJob).where(
            ImportJob.organisation_id == organisation.id,
            ImportJob.status.in_(("queued", "checking", "saving")),
        )
    ).all()
    if any(not refresh_stale(session, other).finished for other in running):
        raise Conflict(_l("Er loopt al een import voor uw organisatie. Wacht tot die klaar is."))
    job = ImportJob(
        organisation_id=organisation.id,
        user_id=actor.user_id,
        status="queued",
        locale=locale,
    )
    session.add(job)
    session.flush()
    record(session, actor, "signals.upload", detail={"import_job": job.id})
    return job


def check_file(session: Session, job: ImportJob, data: bytes) -> signal_csv.ParseResult:
    """Parse the file in the uploader's language; a refused file fails the job (the caller
    commits). The result's errors carry the tenant numbers: show them, store ``stored()``."""
    job.status = "checking"
    job.started_at = job.heartbeat_at = utcnow()
    with force_locale(job.locale):
        try:
            parsed = signal_csv.parse(data)
        except Exception as exc:  # built never to raise; if it did, the job must not hang
            log.error("import check failed", extra={"error": type(exc).__name__})
            failure = signal_csv.RowError(0, "", _interrupted(job.locale))
            parsed = signal_csv.ParseResult(errors=[failure])
        if parsed.errors:
            job.status = "failed"
            job.errors = [error.stored() for error in parsed.errors]
            job.finished_at = job.heartbeat_at = utcnow()
            return parsed
    job.total_rows = len(parsed.rows)
    _seal_file(session, job, data)
    job.status = "queued"
    session.flush()
    return parsed


def _file_context(job: ImportJob) -> bytes:
    return f"import_job|sealed_file|{job.id}".encode()


def _seal_file(session: Session, job: ImportJob, data: bytes) -> None:
    """Keep the checked file on the job's row, sealed with a data key of its own."""
    key = create_data_key(session)
    cipher = cipher_for(session, key.id)
    assert cipher is not None  # a key made a moment ago
    job.data_key_id = key.id
    job.sealed_file = aead.seal(cipher, key.id, data, _file_context(job))


def _open_file(session: Session, job: ImportJob) -> bytes | None:
    """The sealed file, for the worker that imports it (nobody is shown it); None when it
    was shredded already."""
    if job.sealed_file is None or job.data_key_id is None:
        return None
    cipher = cipher_for(session, job.data_key_id)
    return None if cipher is None else aead.unseal(cipher, job.sealed_file, _file_context(job))


def _shred_file(session: Session, job: ImportJob) -> None:
    """The job ended: destroy the file's key and drop the ciphertext (crypto-shredding)."""
    if job.data_key_id is not None:
        destroy_data_key(session, job.data_key_id)
    job.sealed_file = None


def submit(job: ImportJob) -> None:
    """Put the checked, committed job on the queue."""
    _set_live(job.id, 0)
    enqueue("signals.import", job_id=job.id)


@background_job("signals.import", time_limit=timedelta(hours=1))
def run_import_job(job_id: int) -> str:
    """Import a queued job's file in one transaction; the job's row tells how it went."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not the proxy
    session = db.session
    if not claim_queued(session, ImportJob, job_id, status="saving"):
        return "not queued"
    try:
        return _run(app, session, job_id)
    except Exception as exc:  # leave a readable row, never a trace
        log.error("import job failed", extra={"error": type(exc).__name__})
        session.rollback()
        job = session.get_one(ImportJob, job_id)
        _fail(job, [{"line": 0, "column": "", "reason": _interrupted(job.locale)}])
        _shred_file(session, job)
        session.commit()
        return "failed"
    finally:
        _set_live(job_id, None)


def _fail(job: ImportJob, errors: list[dict[str, Any]]) -> None:
    job.status = "failed"
    job.errors = errors
    job.finished_at = utcnow()


def _interrupted(locale: str) -> str:
    from flask_babel import gettext

    with force_locale(locale):
        return gettext("Het importeren ging mis. Er is niets opgeslagen. Probeer het opnieuw.")


def _run(app: Flask, session: Session, job_id: int) -> str:
    job = session.get_one(ImportJob, job_id)
    data = _open_file(session, job)
    uploader = session.get(User, job.user_id) if job.user_id else None
    if data is None or uploader is None:
        _fail(job, [{"line": 0, "column": "", "reason": _interrupted(job.locale)}])
        _shred_file(session, job)
        session.commit()
        return "failed: no file or uploader"
    actor = staff_actor(uploader, label="job:signals import")
    with force_locale(job.locale):
        rows = signal_csv.parse(data).rows  # checked in the upload's request already
    del data
    return import_rows(app, session, job_id, rows, actor)


def import_rows(
    app: Flask, session: Session, job_id: int, rows: list[SignalRow], actor: Actor
) -> str:
    """Store the checked rows in one transaction with the job's final status; the file's key
    is destroyed with it, whatever the outcome."""
    job = session.get_one(ImportJob, job_id)
    separate_progress = session.get_bind().dialect.name != "sqlite"

    def progress(done: int) -> None:
        _set_live(job_id, done)
        if separate_progress:
            _write_progress(app, job_id, done)

    organisation = session.get_one(Organisation, job.organisation_id)
    contact_days = int(app.config.get("CASE_CONTACT_DAYS") or DEFAULT_CONTACT_DAYS)
    try:
        with force_locale(job.locale):
            result = import_signals(
                session,
                actor,
                organisation,
                [signal_from_row(row) for row in rows],
                contact_days=contact_days,
                source="import",
                import_job_id=job.id,
                progress=progress,
            )
    except DomainError as exc:  # a rule the parser does not know; nothing is stored
        session.rollback()
        job = session.get_one(ImportJob, job_id)
        column = str(exc.params.get("field", ""))
        line = exc.params.get("line")  # the file's line (``intake.import_signals``)
        _fail(
            job,
            [
                {
                    "line": line if isinstance(line, int) else 0,
                    "column": column,
                    "reason": exc.message,
                }
            ],
        )
        _shred_file(session, job)
        session.commit()
        return "failed: a row was refused"
    job.status = "done"
    job.processed_rows = job.total_rows
    job.created_count = result.created
    job.updated_count = result.updated
    job.report = result.report()
    job.finished_at = job.heartbeat_at = utcnow()
    _shred_file(session, job)
    session.commit()
    return f"created: {result.created}, updated: {result.updated}"


def _write_progress(app: Flask, job_id: int, done: int) -> None:
    """Commit the count from a connection of its own (the import's transaction is open)."""
    with app.app_context():
        session = db.session
        job = session.get(ImportJob, job_id)
        if job is not None:
            job.processed_rows = done
            job.heartbeat_at = utcnow()
            session.commit()


def refresh_stale(session: Session, job: ImportJob) -> ImportJob:
    """Mark a job failed that stopped giving signs of life while it ran (its worker died)."""
    if job.finished or job.status == "queued" or live_progress(job.id) is not None:
        return job  # a queued job waits for a worker, however long the queue
    last = job.heartbeat_at or job.created_at
    if utcnow() - last > STALE_AFTER:
        _fail(job, [{"line": 0, "column": "", "reason": _interrupted(job.locale)}])
        _shred_file(session, job)
        session.flush()
    return job


def progress_of(job: ImportJob) -> dict[str, Any]:
    """What the progress fragment shows: rows done, out of how many, and the percentage."""
    done = job.processed_rows
    live = live_progress(job.id)
    if live is not None and not job.finished:
        done = max(done, live)
    total = job.total_rows
    percent = 100 if job.status == "done" else (min(99, done * 100 // total) if total else 0)
    return {"done": done, "total": total, "percent": percent}
