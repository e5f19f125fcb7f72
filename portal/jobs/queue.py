"""The job queue: Dramatiq on Redis for several servers, or in-process for the embedded setup.

Why Dramatiq: a well-kept queue with acknowledgements (a message a dead worker held is
delivered again), time limits and a plain ``Worker`` class that also runs inside a process;
Redis is already what the rate limits share between app servers, so production needs no
further service. (RQ forks a process per job, which doubles the memory of a Flask app;
Procrastinate needs PostgreSQL, and the embedded default runs on SQLite.)

- With ``JOBS_BROKER_URL`` (default: ``REDIS_URL``) messages go to Redis, and
  ``flask jobs worker`` processes on any server take them; ``flask jobs scheduler`` puts the
  periodic jobs on the queue (``portal.jobs.schedule``).
- Without it (``make run``, SQLite, no Redis), the broker is Dramatiq's in-memory one and the
  first request starts a worker thread and the scheduler in the web process itself.
- With ``JOBS_INLINE`` (tests), a job runs at once, in the caller's thread, the same way.

A message carries only the job's name, a run id and its arguments (ids and numbers). The
worker claims the run id in the database before it starts (``JobRun``), so a message that
is delivered twice runs once, on every broker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal.db import changed_rows, utcnow, write_lock
from portal.extensions import db
from portal.jobs import registry
from portal.jobs.models import JobRun

log = logging.getLogger("portal.jobs")

STATE_KEY = "kp_jobs"
#: Worker threads of the embedded worker (SQLite has one writer: more would only wait).
EMBEDDED_THREADS = 2


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class JobQueue:
    """One application's broker, its actors (one per registered job) and, embedded, its
    in-process worker."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        url = app.config.get("JOBS_BROKER_URL", "")
        self.embedded = not url
        self.broker: dramatiq.Broker = (
            StubBroker()
            if self.embedded
            else RedisBroker(url=url, namespace=app.config.get("JOBS_NAMESPACE", "ketenportaal"))
        )
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}
        for job in registry.registered().values():
            declare = dramatiq.actor(
                actor_name=job.name,
                broker=self.broker,
                max_retries=0,  # a failed run is recorded; the schedule or a person tries again
                time_limit=int(job.time_limit.total_seconds() * 1000),
            )
            self.actors[job.name] = declare(self._runner(job))
        self._worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()

    # --- sending -------------------------------------------------------------------------

    def enqueue(self, name: str, **arguments: Any) -> str:
        """Put job ``name`` on the queue (after the caller committed what it needs); its run id."""
        if not registry.arguments_ok(arguments):
            raise ValueError("a job's arguments are ids, numbers and short strings")
        run_id = uuid.uuid4().hex
        if self.app.config.get("JOBS_INLINE"):
            self.run(registry.get(name), run_id, arguments)
            return run_id
        if self.embedded:
            self.start_embedded()
        self.actors[name].send(run_id=run_id, **arguments)
        return run_id

    # --- running ---------------------------------------------------------------------------

    def _runner(self, job: registry.Job) -> Callable[..., None]:
        def run_message(run_id: str, **arguments: Any) -> None:
            self.run(job, run_id, arguments)

        run_message.__name__ = job.name.replace(".", "_")
        return run_message

    def run(self, job: registry.Job, run_id: str, arguments: dict[str, Any]) -> None:
        """Claim the run, run the job in an application context of its own, record the end.

        Never raises: a failure is logged by its type (never a value: arguments are ids) and
        written on the run's row.
        """
        with self.app.app_context(), write_lock():
            session = db.session
            if not claim(session, run_id, job):
                log.info("job already run", extra={"event": "job_skipped", "job": job.name})
                return
            try:
                summary = job.function(**arguments) or ""
                session.commit()
                status = "done"
            except Exception as exc:
                session.rollback()
                log.error(
                    "job failed",
                    extra={"event": "job_failed", "job": job.name, "error": type(exc).__name__},
                )
                summary, status = type(exc).__name__, "failed"
            session.execute(
                update(JobRun)
                .where(JobRun.run_id == run_id)
                .values(status=status, finished_at=utcnow(), summary=summary[:200])
            )
            session.commit()

    # --- the embedded worker -----------------------------------------------------------------

    def start_embedded(self) -> None:
        """Start this process's worker thread and scheduler (once; embedded setup only)."""
        if not self.embedded or self._worker is not None:
            return
        with self._lock:
            if self._worker is not None:
                return
            worker = dramatiq.Worker(self.broker, worker_threads=EMBEDDED_THREADS)
            worker.start()
            self._worker = worker
        from portal.jobs import schedule

        with self.app.app_context():
            resumed = schedule.resume_unfinished()
        if resumed:
            log.info("jobs resumed", extra={"event": "jobs_resumed", "count": resumed})
        if self.app.config.get("JOBS_EMBEDDED_SCHEDULER"):
            schedule.start_background(self)

    def stop_embedded(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


def claim(session: Any, run_id: str, job: registry.Job) -> bool:
    """Record that this worker runs ``run_id`` now; False when another did or does.

    A run whose worker died (its row still says running, past the job's time limit) is taken
    over: the broker delivered its message again for exactly that reason.
    """
    now = utcnow()
    session.add(JobRun(run_id=run_id, name=job.name, worker=worker_name(), started_at=now))
    try:
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
    taken = changed_rows(
        session,
        update(JobRun)
        .where(
            JobRun.run_id == run_id,
            JobRun.status == "running",
            JobRun.started_at < now - job.time_limit - timedelta(minutes=1),
        )
        .values(started_at=now, worker=worker_name(), attempts=JobRun.attempts + 1),
    )
    session.commit()
    return taken == 1
