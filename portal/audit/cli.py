"""``flask --app wsgi audit verify|checkpoint``: for operators and cron."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.audit import verify as audit_verify
from portal.audit.models import AuditEvent
from portal.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


def _keys():
    cfg = current_app.config
    return audit_verify.public_keys(cfg["KP_AUDIT_SIGNING_KEY"], cfg["KP_AUDIT_PUBLIC_KEYS"])


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the whole hash chain and every signed checkpoint; exit 1 at the first break."""
    session = db.session
    total = session.scalar(select(func.count(AuditEvent.id))) or 0
    started = time.perf_counter()
    with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
        verdict = audit_verify.verify(session, _keys(), progress=bar.update)
    seconds = time.perf_counter() - started
    if verdict.broken:
        click.echo(f"BROKEN at event {verdict.broken.seq}: {verdict.broken.reason}", err=True)
        raise SystemExit(1)
    click.echo(
        f"OK: {verdict.events} events, {verdict.checkpoints} signed checkpoints, {seconds:.1f} s"
    )


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the chain's current end (run periodically, e.g. hourly from cron)."""
    row = audit_verify.checkpoint(db.session, current_app.config["KP_AUDIT_SIGNING_KEY"])
    db.session.commit()
    click.echo(f"signed checkpoint at event {row.seq}" if row else "nothing new to sign")
