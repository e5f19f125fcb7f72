"""When the periodic jobs run: the one place that schedules anything (no cron lines).

``flask jobs scheduler`` (APScheduler) puts each job on the queue at its time, in Dutch
local time; the embedded setup runs the same table in the web process. Several schedulers
may run (one per server, for availability): with Redis, each tick is claimed there first,
so a job is put on the queue once per tick however many schedulers saw it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.queue import JobQueue
from portal.workdays import TIMEZONE

log = logging.getLogger("portal.jobs")


@dataclass(frozen=True)
class Periodic:
    name: str
    #: A crontab line in Dutch local time, or ``every`` seconds.
    cron: str = ""
    every: int = 0
    why: str = ""

    def trigger(self) -> BaseTrigger:
        if self.every:
            return IntervalTrigger(seconds=self.every, timezone=TIMEZONE)
        return CronTrigger.from_crontab(self.cron, timezone=TIMEZONE)


PERIODIC: tuple[Periodic, ...] = (
    Periodic("outbox.deliver", every=10, why="e-mail and text messages leave within seconds"),
    Periodic("api.deliver", every=10, why="partner systems hear of a change within seconds"),
    Periodic("audit.seal", cron="* * * * *", why="events get their place in the hash chain"),
    Periodic("sla.check", cron="*/15 * * * *", why="expire and escalate referrals, warn"),
    Periodic("emergency.expire", cron="*/5 * * * *", why="record the end of emergency access"),
    Periodic("decisions.close", cron="5-59/15 * * * *", why="votes whose deadline passed"),
    Periodic("audit.checkpoint", cron="5 * * * *", why="sign the chain's end"),
    Periodic("sessions.purge", cron="15 * * * *", why="sessions past their limits"),
    Periodic("api.purge", cron="20 * * * *", why="tokens and idempotency answers"),
    Periodic("consent.expire", cron="10 1 * * *", why="record consents past their period"),
    Periodic("audit.prune", cron="40 2 * * *", why="events past the audit retention"),
    Periodic("retention.run", cron="45 2 * * *", why="erase and shred as the covenant says"),
    Periodic("signalling.refresh", cron="50 2 * * *", why="days overdue grow by themselves"),
    Periodic("jobs.purge", cron="55 2 * * *", why="the run history of a month"),
    Periodic("steering.rollup", cron="0 3 * * *", why="the steering figures add up months"),
)


def tick(queue: JobQueue, name: str) -> None:
    """Put ``name`` on the queue for this minute's tick, unless another scheduler did."""
    minute = datetime.now(UTC).strftime("%Y%m%d%H%M%S")[:-2]
    if not queue.embedded:
        claimed = queue.broker.client.set(  # type: ignore[attr-defined]  # the Redis broker's client
            f"{queue.app.config['JOBS_NAMESPACE']}:tick:{name}:{minute}", "1", nx=True, ex=3600
        )
        if not claimed:
            return
    try:
        with queue.app.app_context():
            queue.enqueue(name)
    except Exception as exc:  # the scheduler keeps going; the next tick tries again
        log.error(
            "tick failed", extra={"event": "tick_failed", "job": name, "error": type(exc).__name__}
        )


def add_jobs(scheduler: BaseScheduler, queue: JobQueue) -> None:
    for periodic in PERIODIC:
        scheduler.add_job(
            tick,
            periodic.trigger(),
            args=(queue, periodic.name),
            id=periodic.name,
            coalesce=True,  # a scheduler that was asleep runs a missed tick once, not many times
            max_instances=1,
            misfire_grace_time=60,
        )


def start_background(queue: JobQueue) -> BackgroundScheduler:
    """The embedded setup's scheduler: a thread in the web process."""
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, queue)
    scheduler.start()
    return scheduler


def resume_unfinished() -> int:
    """Put back on the queue the work that waited when a process stopped: imports whose sealed
    file is still there and report jobs not yet begun. Each claims its row before it starts,
    so resuming one that is also still on the queue runs it once."""
    from handover.signalling.models import SignalReportJob
    from portal.cases.models import ImportJob
    from portal.jobs import queue_of

    session = db.session
    imports = session.scalars(
        select(ImportJob.id).where(ImportJob.status == "queued", ImportJob.sealed_file.is_not(None))
    ).all()
    reports = session.scalars(
        select(SignalReportJob.id).where(SignalReportJob.status == "queued")
    ).all()
    session.rollback()
    queue = queue_of()
    for job_id in imports:
        queue.enqueue("signals.import", job_id=job_id)
    for job_id in reports:
        queue.enqueue("signalling.report", job_id=job_id)
    return len(imports) + len(reports)
