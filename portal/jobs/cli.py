"""``flask --app wsgi jobs worker|scheduler|run|status``: the processes of the job queue."""

from __future__ import annotations

import signal
import threading
import uuid

import click
import dramatiq
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs import queue_of, registry, schedule
from portal.jobs.models import JobRun
from portal.workdays import TIMEZONE

jobs_cli = AppGroup("jobs", help="Background and scheduled jobs (the job queue).")


def _until_stopped() -> None:
    """Wait for SIGTERM or SIGINT (systemd, Ctrl-C)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()


@jobs_cli.command("worker")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def worker_command(threads: int) -> None:
    """Take jobs from the queue until stopped (run one or more on every server)."""
    queue = queue_of()
    if queue.embedded:
        raise click.ClickException(
            "no JOBS_BROKER_URL (or REDIS_URL): the web process runs the jobs itself"
        )
    resumed = schedule.resume_unfinished()
    worker = dramatiq.Worker(queue.broker, worker_threads=threads)
    worker.start()
    click.echo(f"worker started with {threads} threads; {resumed} unfinished jobs put back")
    try:
        _until_stopped()
    finally:
        worker.stop()
        click.echo("worker stopped")


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Put the periodic jobs on the queue at their times (``portal.jobs.schedule``)."""
    queue = queue_of()
    if queue.embedded:
        raise click.ClickException(
            "no JOBS_BROKER_URL (or REDIS_URL): the web process schedules the jobs itself"
        )
    scheduler = BlockingScheduler(timezone=TIMEZONE)
    schedule.add_jobs(scheduler, queue)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: scheduler.shutdown(wait=False))
    click.echo(f"scheduling {len(schedule.PERIODIC)} jobs")
    scheduler.start()


@jobs_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run one job now, in this process (as the worker would), and print its summary."""
    try:
        job = registry.get(name)
    except LookupError:
        known = ", ".join(sorted(registry.registered()))
        raise click.ClickException(f"unknown job {name!r}; known: {known}") from None
    run_id = uuid.uuid4().hex
    queue_of().run(job, run_id, {})
    run = db.session.scalars(select(JobRun).where(JobRun.run_id == run_id)).one()
    click.echo(f"{name}: {run.status}: {run.summary}")
    if run.status != "done":
        raise SystemExit(1)


@jobs_cli.command("status")
def status_command() -> None:
    """Each periodic job with when it last ran and how it went."""
    newest = select(func.max(JobRun.id)).group_by(JobRun.name)
    runs = {
        run.name: run for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(newest)))
    }
    broker = (
        "in the web process"
        if queue_of().embedded
        else current_app.config["JOBS_BROKER_URL"].split("@")[-1]
    )
    click.echo(f"queue: {broker}")
    for periodic in schedule.PERIODIC:
        when = periodic.cron or f"every {periodic.every} s"
        run = runs.get(periodic.name)
        seen = (
            f"{run.started_at.astimezone(TIMEZONE):%Y-%m-%d %H:%M} {run.status}: {run.summary}"
            if run
            else "not run yet"
        )
        click.echo(f"{periodic.name:20} {when:18} {seen}")
