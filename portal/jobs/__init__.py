"""Background and scheduled work on a job queue (``portal.jobs.queue`` says which and why).

Rooms declare their jobs with ``portal.jobs.registry.job``; views and services put one on
the queue with ``enqueue`` after committing what it needs; the periodic jobs and their
times are in ``portal.jobs.schedule``, the one place that schedules anything.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.db import changed_rows, utcnow
from portal.jobs.queue import STATE_KEY, JobQueue


def init_app(app: Flask) -> None:
    """Build the queue once every room has declared its jobs (call it last in create_app)."""
    from portal.jobs import periodic  # noqa: F401  (declares the periodic jobs)
    from portal.jobs.cli import jobs_cli

    queue = JobQueue(app)
    app.extensions[STATE_KEY] = queue
    app.cli.add_command(jobs_cli)
    if queue.embedded and not app.config.get("JOBS_INLINE") and not app.testing:

        @app.before_request
        def _start_embedded_worker() -> None:
            queue.start_embedded()


def queue_of(app: Flask | None = None) -> JobQueue:
    return (app or current_app).extensions[STATE_KEY]


def enqueue(name: str, **arguments: Any) -> str:
    """Put the job ``name`` on this application's queue; its run id."""
    return queue_of().enqueue(name, **arguments)


def claim_queued(session: Session, model: Any, row_id: int, *, status: str) -> bool:
    """Move a queued job's row to ``status`` and commit; False when another worker took it
    or it ended already (one guarded update: of two deliveries, one runs the job)."""
    claimed = changed_rows(
        session,
        update(model)
        .where(model.id == row_id, model.status == "queued")
        .values(status=status, heartbeat_at=utcnow()),
    )
    session.commit()
    return bool(claimed)
