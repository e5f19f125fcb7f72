"""``flask --app wsgi decisions close`` (from cron, e.g. every 15 minutes) and ``verify``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from handover.decisions import sealing, service
from handover.decisions.models import Decision
from portal.extensions import db

decisions_cli = AppGroup("decisions", help="Joint decisions: deadlines and seals.")


@decisions_cli.command("close")
def close_command() -> None:
    """Close every vote whose deadline has passed: compute, seal, carry out."""
    closed = service.close_due(db.session)
    db.session.commit()
    click.echo(f"closed: {len(closed)}")


@decisions_cli.command("verify")
def verify_command() -> None:
    """Recompute every sealed record from the database and compare it with its seal."""
    broken = []
    sealed = db.session.scalars(
        select(Decision).where(Decision.seal_hash.is_not(None)).order_by(Decision.id)
    ).all()
    for decision in sealed:
        if not sealing.verify_seal(db.session, decision).intact:
            broken.append(decision.id)
    db.session.rollback()
    click.echo(f"sealed decisions: {len(sealed)}, broken seals: {len(broken)}")
    if broken:
        raise click.ClickException("broken seals: " + ", ".join(str(i) for i in broken))
