"""Imports as in-process background jobs, with their progress on the job's row.

The upload view stores an ``ImportJob`` row and checks the file in the request
(``check_file``): a refused file is answered on the upload page itself, with the report
naming each row, its tenant number, the column, the refused value (never one of a column
with personal data: for those it says only that the value is invalid) and the reason. The
tenant number is personal data too (the case keeps it encrypted), so it lives only in that
response: the job's row, which is not encrypted, keeps where, why and the value of a column
without personal data (``RowError.stored``), and nothing writes the report to a log.
Keeping the tenant numbers between a thread and a later page would mean storing them
(encrypted, with a key to destroy) or in one process's memory, which the next request may
not reach; checking in the request needs neither. It takes well under a second for a
month's file (the parser reads 10,000 rows in a fraction of that, see ``bench.cases``).

A checked file's rows go to a thread and the view answers at once; the page polls the row.
The rows stay in memory only (they hold personal data in the clear), so a job interrupted
by a restart is marked failed and nothing of it was stored: the import itself is one
transaction that commits together with the job's final status.

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

from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases import signal_csv
from portal.cases.intake import import_signals, signal_from_row
from portal.cases.models import ImportJob
from portal.cases.signal_csv import SignalRow
from portal.db import utcnow
from portal.errors import Conflict, DomainError
from portal.extensions import db

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
    session.flush()
    return parsed


def submit(app: Flask, job_id: int, rows: list[SignalRow], actor: Actor, contact_days: int) -> None:
    """Run the import in a background thread (or right here when ``JOBS_INLINE`` is set)."""
    if app.config.get("JOBS_INLINE"):
        run_import_job(app, job_id, rows, actor, contact_days)
        return
    _set_live(job_id, 0)
    worker = threading.Thread(
        target=run_import_job,
        args=(app, job_id, rows, actor, contact_days),
        name=f"import-job-{job_id}",
        daemon=True,
    )
    worker.start()


def run_import_job(
    app: Flask, job_id: int, rows: list[SignalRow], actor: Actor, contact_days: int
) -> None:
    """Import the checked rows in one transaction; the job's row tells how it went."""
    try:
        with app.app_context():
            _run(app, db.session, job_id, rows, actor, contact_days)
    except Exception as exc:  # the thread must leave a readable row, never a trace
        log.error("import job failed", extra={"error": type(exc).__name__})
        with app.app_context():
            session = db.session
            session.rollback()
            job = session.get(ImportJob, job_id)
            if job is not None and not job.finished:
                job.status = "failed"
                job.finished_at = utcnow()
                job.errors = [{"line": 0, "column": "", "reason": _interrupted(job.locale)}]
                session.commit()
    finally:
        _set_live(job_id, None)


def _interrupted(locale: str) -> str:
    from flask_babel import gettext

    with force_locale(locale):
        return gettext("Het importeren ging mis. Er is niets opgeslagen. Probeer het opnieuw.")


def _run(
    app: Flask,
    session: Session,
    job_id: int,
    rows: list[SignalRow],
    actor: Actor,
    contact_days: int,
) -> None:
    job = session.get(ImportJob, job_id)
    if job is None:
        return
    job.total_rows = len(rows)
    job.status = "saving"
    job.heartbeat_at = utcnow()
    session.commit()

    separate_progress = session.get_bind().dialect.name != "sqlite"

    def progress(done: int) -> None:
        _set_live(job_id, done)
        if separate_progress:
            _write_progress(app, job_id, done)

    organisation = session.get_one(Organisation, job.organisation_id)
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
        job.status = "failed"
        column = str(exc.params.get("field", ""))
        line = exc.params.get("line")  # the file's line (``intake.import_signals``)
        job.errors = [
            {"line": line if isinstance(line, int) else 0, "column": column, "reason": exc.message}
        ]
        job.finished_at = utcnow()
        session.commit()
        return
    job.status = "done"
    job.processed_rows = job.total_rows
    job.created_count = result.created
    job.updated_count = result.updated
    job.report = result.report()
    job.finished_at = job.heartbeat_at = utcnow()
    session.commit()


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
    """Mark a job failed that stopped giving signs of life (the process restarted)."""
    if job.finished or live_progress(job.id) is not None:
        return job
    last = job.heartbeat_at or job.created_at
    if utcnow() - last > STALE_AFTER:
        job.status = "failed"
        job.finished_at = utcnow()
        job.errors = [{"line": 0, "column": "", "reason": _interrupted(job.locale)}]
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
