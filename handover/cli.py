"""``flask --app wsgi sla check``: run from cron (e.g. every 15 minutes)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from handover import service
from handover.earlysignal import service as signals
from portal.extensions import db

sla_cli = AppGroup("sla", help="Deadlines of referrals.")


@sla_cli.command("check")
def check_command() -> None:
    """Expire unanswered referrals and warn about overdue first contact; warn the
    municipality once about each early signal past its legal deadline (working days)."""
    result = service.check_sla(db.session)
    late = signals.check_deadlines(db.session)
    db.session.commit()
    overdue = len(result.first_contact_overdue)
    click.echo(f"expired: {len(result.expired)}, first contact overdue: {overdue}")
    click.echo(f"early signals past a legal deadline: {len(late)}")
