"""The job queue for real: each job runs once, whoever delivers it how often; the embedded
worker runs jobs in the web process; an import waiting when its process stopped runs after
a restart, in the embedded setup and with Redis and a separate worker process; two worker
processes on one queue take each job once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bench.cases import signal_file
from portal.cases.models import Case, ImportJob
from portal.crypto.models import DataKey
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import queue_of, registry
from portal.jobs.models import JobRun
from tests.cases.test_jobs import signed_in_client, upload
from tests.jobs.conftest import NEEDS_REDIS, REDIS_URL, process_env, start, stop, wait_for


def _runs(app, **where) -> list[JobRun]:
    with app.app_context():
        query = select(JobRun).filter_by(**where).order_by(JobRun.id)
        return list(db.session.scalars(query))


def _import_job(app) -> ImportJob:
    with app.app_context():
        return db.session.scalars(select(ImportJob)).one()


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id))) or 0


def _shredded(app, job: ImportJob) -> bool:
    with app.app_context():
        key = db.session.get(DataKey, job.data_key_id)
        return key is not None and key.destroyed_at is not None and key.wrapped_key is None


def test_a_message_delivered_twice_runs_once(make_app):
    app = make_app()
    queue = queue_of(app)
    purge = registry.get("jobs.purge")
    queue.run(purge, "delivered-twice", {})
    queue.run(purge, "delivered-twice", {})
    (run,) = _runs(app, run_id="delivered-twice")
    assert (run.status, run.attempts, run.summary) == ("done", 1, "deleted: 0")


def test_a_run_whose_worker_died_is_taken_over_once_its_time_limit_passed(make_app):
    app = make_app()
    purge = registry.get("jobs.purge")
    with app.app_context():
        long_ago = utcnow() - purge.time_limit - timedelta(minutes=5)
        db.session.add(JobRun(run_id="died", name=purge.name, started_at=long_ago))
        db.session.add(JobRun(run_id="still-running", name=purge.name, started_at=utcnow()))
        db.session.commit()
    queue_of(app).run(purge, "died", {})
    queue_of(app).run(purge, "still-running", {})
    (died,) = _runs(app, run_id="died")
    assert (died.status, died.attempts) == ("done", 2)
    (running,) = _runs(app, run_id="still-running")
    assert (running.status, running.attempts) == ("running", 1)  # left to its own worker


def test_the_embedded_worker_runs_a_job_in_the_web_process(make_app):
    app = make_app()
    queue = queue_of(app)
    assert queue.embedded
    with app.app_context():
        run_id = queue.enqueue("jobs.purge")
    queue.broker.join("default")
    wait_for(lambda: [r.status for r in _runs(app, run_id=run_id)] == ["done"], "the run")


def test_a_waiting_import_runs_after_a_restart_and_its_file_is_shredded(make_app, monkeypatch):
    """The process stopped before a worker took the import (its message is gone with it):
    the file waits sealed on the row, and the next process's worker runs it."""
    before = make_app()
    monkeypatch.setattr(queue_of(before), "enqueue", lambda *args, **kwargs: "lost")
    data = signal_file(20)
    response = upload(signed_in_client(before), data)
    assert response.status_code == 303
    job = _import_job(before)
    assert job.status == "queued" and job.sealed_file is not None
    assert data.splitlines()[1][:40] not in job.sealed_file  # sealed, not in the clear
    assert _cases(before) == 0

    after = make_app()  # the restarted process: its worker starts and resumes what waited
    queue_of(after).start_embedded()
    wait_for(lambda: _import_job(after).status == "done", "the import")
    job = _import_job(after)
    assert _cases(after) == 20 and job.created_count == 20
    assert job.sealed_file is None and _shredded(after, job)


@NEEDS_REDIS
def test_an_import_survives_the_web_process_with_redis_and_a_worker(make_app, namespace, tmp_path):
    web = make_app(JOBS_BROKER_URL=REDIS_URL, JOBS_NAMESPACE=namespace)
    response = upload(signed_in_client(web), signal_file(30))
    assert response.status_code == 303
    assert _import_job(web).status == "queued"  # on the queue in Redis; no worker yet
    web.extensions["kp_db"].engine.dispose()  # the web process is gone

    env = process_env(web)
    worker = start(
        ["flask", "--app", "wsgi", "jobs", "worker", "--threads", "2"], env, tmp_path / "w.log"
    )
    try:
        reader = make_app()
        wait_for(lambda: _import_job(reader).finished, "the import")
        job = _import_job(reader)
        assert job.status == "done", (tmp_path / "w.log").read_text()
        assert _cases(reader) == 30 and _shredded(reader, job)
        # The message from Redis, and the worker putting back what waited at its start: the
        # import's own claim lets one of them import, the other finds it taken (it may still
        # be finishing when the import is done: wait for every run to end).
        runs = lambda: _runs(reader, name="signals.import")  # noqa: E731
        wait_for(lambda: all(r.finished_at for r in runs()), "every run of the import")
        summaries = sorted(r.summary for r in runs())
        assert summaries in (["created: 30, updated: 0"], ["created: 30, updated: 0", "not queued"])
    finally:
        stop(worker)


@NEEDS_REDIS
def test_two_workers_on_one_queue_run_each_job_once(make_app, namespace, tmp_path):
    app = make_app(JOBS_BROKER_URL=REDIS_URL, JOBS_NAMESPACE=namespace)
    env = process_env(app)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    command = ["flask", "--app", "wsgi", "jobs", "worker", "--threads", "2"]
    workers = [start(command, env, log) for log in logs]
    try:
        for log in logs:
            wait_for(lambda log=log: "worker started" in log.read_text(), "a worker to start", 60)
        queue = queue_of(app)
        with app.app_context():
            run_ids = [queue.enqueue("jobs.purge") for _ in range(40)]
        twice = queue.actors["jobs.purge"]
        twice.send(run_id="sent-twice")  # the same message twice, as a redelivery would
        twice.send(run_id="sent-twice")
        expected = {*run_ids, "sent-twice"}

        def finished() -> bool:
            return {r.run_id for r in _runs(app) if r.status != "running"} >= expected

        wait_for(finished, "every job")
        runs = _runs(app)
        assert sorted(r.run_id for r in runs) == sorted(expected)  # each run id once
        assert {(r.status, r.attempts) for r in runs} == {("done", 1)}
        assert all(w.poll() is None for w in workers), "both workers kept running"
    finally:
        for worker in workers:
            stop(worker)
