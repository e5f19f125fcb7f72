"""Reporting thousands of cases as a background job with its progress, like an import.

The view stores a ``SignalReportJob`` (ids and counts only), puts it on the job queue
(``portal.jobs``) and shows the job page, which polls the progress. The worker reports the
cases batch by batch, each batch committed with the job's counts: every report stands on its
own (unique per case and month), so progress is real on SQLite too, and a job interrupted
half-way (its worker died) is marked failed and can be started again for what is still
ready. A job not yet begun when a process stopped is put back on the queue.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.signalling.models import SignalReportJob
from handover.signalling.service.listing import ready_case_ids
from handover.signalling.service.report import report_cases
from portal.accounts.models import User
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor, staff_actor
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import Conflict, Forbidden, NotFound
from portal.extensions import db
from portal.jobs import claim_queued, enqueue
from portal.jobs.registry import job as background_job

log = logging.getLogger("handover.signalling.jobs")

#: More chosen cases than this (or "every ready case") go to a background job.
INLINE_MAX = 200
#: Cases per committed batch.
BATCH = 200
#: A running job silent for this long was interrupted.
STALE_AFTER = timedelta(minutes=10)


def _require_casework(actor: Actor) -> int:
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        raise Forbidden()
    return actor.organisation_id


def refresh_stale(session: Session, job: SignalReportJob) -> SignalReportJob:
    """Mark a running job failed that stopped giving signs of life (its worker died); a
    queued one waits for a worker, however long the queue."""
    if job.finished or job.status == "queued":
        return job
    if utcnow() - (job.heartbeat_at or job.created_at) > STALE_AFTER:
        job.status = "failed"
        job.finished_at = utcnow()
        session.flush()
    return job


def start_job(
    session: Session,
    actor: Actor,
    case_ids: list[int] | None,
    *,
    crisis: bool = False,
    warm_handover: bool = False,
) -> SignalReportJob:
    """The job's row (the caller commits, then calls ``submit_job``). One report job at a
    time per organisation."""
    organisation_id = _require_casework(actor)
    running = session.scalars(
        select(SignalReportJob).where(
            SignalReportJob.organisation_id == organisation_id,
            SignalReportJob.status.in_(("queued", "running")),
        )
    ).all()
    if any(not refresh_stale(session, other).finished for other in running):
        raise Conflict(_l("Er loopt al een melding voor uw organisatie. Wacht tot die klaar is."))
    job = SignalReportJob(
        organisation_id=organisation_id,
        user_id=actor.user_id,
        status="queued",
        crisis=bool(crisis),
        warm_handover=bool(warm_handover),
        case_ids=sorted(set(case_ids or [])),
        total=len(set(case_ids or [])),
        skipped={},
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "signalling.report_job",
        detail={"job": job.id, "cases": job.total or "all ready"},
    )
    return job


def submit_job(job_id: int) -> None:
    """Put the committed job on the queue."""
    enqueue("signalling.report", job_id=job_id)


@background_job("signalling.report", time_limit=timedelta(hours=1))
def run_job(job_id: int) -> str:
    session = db.session
    try:
        return _run(session, job_id)
    except Exception as exc:  # leave a readable row, never a trace
        log.error("report job failed", extra={"error": type(exc).__name__})
        session.rollback()
        job = session.get(SignalReportJob, job_id)
        if job is not None and not job.finished:
            job.status = "failed"
            job.finished_at = utcnow()
            session.commit()
        return "failed"


def _run(session: Session, job_id: int) -> str:
    if not claim_queued(session, SignalReportJob, job_id, status="running"):
        return "not queued"
    job = session.get_one(SignalReportJob, job_id)
    reporter = session.get(User, job.user_id) if job.user_id else None
    if reporter is None:
        raise LookupError("the job's user is gone")
    actor = staff_actor(reporter, label="job:signalling report")
    ids = list(job.case_ids)
    if not ids:
        while batch := ready_case_ids(session, actor, after=ids[-1] if ids else 0):
            ids.extend(batch)
    job.total = len(ids)
    job.heartbeat_at = utcnow()
    session.commit()
    for start in range(0, len(ids), BATCH):
        result = report_cases(
            session,
            actor,
            ids[start : start + BATCH],
            crisis=job.crisis,
            warm_handover=job.warm_handover,
        )
        job.processed += result.done
        job.sent += len(result.sent)
        job.repeats += len(result.repeats)
        skipped = dict(job.skipped or {})
        for reason in result.skipped.values():
            skipped[reason] = skipped.get(reason, 0) + 1
        job.skipped = skipped
        job.heartbeat_at = utcnow()
        session.commit()
    job.status = "done"
    job.finished_at = job.heartbeat_at = utcnow()
    session.commit()
    return f"reported: {job.sent}, of {job.total}"


def load_job(session: Session, actor: Actor, job_id: int) -> SignalReportJob:
    """The actor's organisation's job (another organisation's id: 404, like a missing one)."""
    job = session.get(SignalReportJob, job_id)
    if job is None or job.organisation_id != actor.organisation_id:
        raise NotFound()
    return refresh_stale(session, job)
