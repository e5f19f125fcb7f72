"""The periodic jobs: each calls the same service as its CLI command and the pages do.

They are safe to run twice or at the same time on two workers (each service claims its rows
with a guarded update or a lock), so a late or doubled tick changes nothing. When each runs
is in ``portal.jobs.schedule``; the summaries are counts only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from portal.actor import Actor
from portal.db import utcnow
from portal.extensions import db
from portal.jobs.models import JobRun
from portal.jobs.registry import job

#: How long the run history is kept.
KEEP_RUNS = timedelta(days=30)


@job("audit.seal", time_limit=timedelta(minutes=5))
def audit_seal() -> str:
    from portal.audit.cli import seal_waiting

    return f"sealed: {seal_waiting()}"


@job("audit.checkpoint", time_limit=timedelta(minutes=10))
def audit_checkpoint() -> str:
    from portal.audit.cli import write_checkpoint

    line = write_checkpoint()
    return f"checkpoint {line}" if line else "nothing new to sign"


@job("audit.prune", time_limit=timedelta(hours=2))
def audit_prune() -> str:
    from portal.audit.cli import prune_old

    return prune_old()


@job("outbox.deliver", time_limit=timedelta(minutes=10))
def outbox_deliver() -> str:
    from portal.outbox.service import deliver_for_app

    report = deliver_for_app(current_app, db.session, batch=50)
    return f"sent: {report.sent}, retrying: {report.retrying}, failed: {report.failed}"


@job("api.deliver", time_limit=timedelta(minutes=10))
def webhooks_deliver() -> str:
    from portal.api.service.webhooks import deliver_pending

    config = current_app.config
    report = deliver_pending(
        db.session,
        secret_key=config["SECRET_KEY"],
        max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
        backoff_seconds=config["OUTBOX_BACKOFF_SECONDS"],
        batch=50,
    )
    return f"delivered: {report.delivered}, retrying: {report.retrying}, failed: {report.failed}"


@job("sla.check", time_limit=timedelta(minutes=15))
def sla_check() -> str:
    """Expired referrals (escalated as the covenant says), late first contacts, early signals
    past their legal deadline."""
    from handover import service
    from handover.earlysignal import service as signals

    result = service.check_sla(db.session)
    late = signals.check_deadlines(db.session)
    db.session.commit()
    return (
        f"expired: {len(result.expired)}, first contact overdue: "
        f"{len(result.first_contact_overdue)}, early signals late: {len(late)}"
    )


@job("decisions.close", time_limit=timedelta(minutes=15))
def decisions_close() -> str:
    from handover.decisions import service

    closed = service.close_due(db.session)
    db.session.commit()
    return f"closed: {len(closed)}"


@job("consent.expire", time_limit=timedelta(minutes=30))
def consent_expire() -> str:
    from consent import service

    events = service.expire_due(db.session, Actor.system("job:consent expire"))
    db.session.commit()
    return f"expired: {len(events)}"


@job("emergency.expire", time_limit=timedelta(minutes=10))
def emergency_expire() -> str:
    """Record the end of every emergency access past its time (reads refuse it already)."""
    from handover.emergency import service

    ended = service.expire_due(db.session)
    db.session.commit()
    return f"ended: {ended}"


@job("retention.run", time_limit=timedelta(hours=3))
def retention_run() -> str:
    """Erase what the covenant's retention periods say, committed per batch of cases."""
    from portal.retention.service import Schedule, retention_batch

    session = db.session
    actor = Actor.system("job:retention run")
    schedule = Schedule.from_covenant(session)  # no covenant: the run fails, and says why
    now = utcnow()
    erased = shredded = 0
    after_id = 0
    while (result := retention_batch(session, actor, schedule, now=now, after_id=after_id)).last_id:
        session.commit()
        after_id = result.last_id
        erased += sum(1 for plan in result.plans if plan.erase)
        shredded += sum(1 for plan in result.plans if plan.shred)
    return f"cases erased: {erased}, keys destroyed: {shredded}"


@job("sessions.purge", time_limit=timedelta(minutes=10))
def sessions_purge() -> str:
    from portal.accounts.session_store import purge_expired

    count = purge_expired(db.session, current_app.config, utcnow())
    db.session.commit()
    return f"deleted: {count}"


@job("api.purge", time_limit=timedelta(minutes=10))
def api_purge() -> str:
    from portal.api.service.housekeeping import purge_expired

    counts = purge_expired(db.session)
    db.session.commit()
    return ", ".join(f"{what}: {n}" for what, n in counts.items())


@job("signalling.refresh", time_limit=timedelta(hours=1))
def signalling_refresh() -> str:
    from handover.signalling import service

    kept = service.refresh_all(db.session, commit=True)
    db.session.commit()
    return f"readiness rows: {kept}"


@job("jobs.purge", time_limit=timedelta(minutes=10))
def jobs_purge() -> str:
    """Forget finished runs after a month (the audit log keeps what the jobs changed)."""
    result = db.session.execute(
        delete(JobRun).where(JobRun.started_at < utcnow() - KEEP_RUNS, JobRun.status != "running")
    )
    db.session.commit()
    return f"deleted: {getattr(result, 'rowcount', 0)}"
