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
from portal.db import utcnow
from portal.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


def _keys():
    cfg = current_app.config
    return audit_verify.public_keys(cfg["KP_AUDIT_SIGNING_KEY"], cfg["KP_AUDIT_PUBLIC_KEYS"])


def _expected(values: tuple[str, ...]) -> dict[int, str]:
    found = {}
    for value in values:
        seq, _sep, chain = value.partition(":")
        if not seq.isdigit() or len(chain) != 64:
            raise click.BadParameter(f"expected SEQ:HASH, got {value!r}", param_hint="--expect")
        found[int(seq)] = chain
    return found


@audit_cli.command("verify")
@click.option(
    "--expect",
    multiple=True,
    metavar="SEQ:HASH",
    help="A checkpoint kept outside the database (as printed by `audit checkpoint`).",
)
def verify_command(expect: tuple[str, ...]) -> None:
    """Check the whole hash chain and every signed checkpoint; exit 1 at the first break."""
    session = db.session
    expected = _expected(expect)
    total = session.scalar(select(func.count(AuditEvent.id))) or 0
    started = time.perf_counter()
    with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
        verdict = audit_verify.verify(session, _keys(), progress=bar.update, expected=expected)
    seconds = time.perf_counter() - started
    click.echo(_checkpoint_line(verdict))
    if verdict.broken:
        click.echo(f"BROKEN at event {verdict.broken.seq}: {verdict.broken.reason}", err=True)
        raise SystemExit(1)
    click.echo(
        f"OK: {verdict.events} events, {verdict.checkpoints} signed checkpoints, {seconds:.1f} s"
    )


def _checkpoint_line(verdict: audit_verify.Verdict) -> str:
    """When the chain's end was last signed: events after it are protected by the chain and
    the head row only, so schedule `audit checkpoint` (see docs/architecture.md)."""
    if verdict.last_checkpoint_at is None:
        return "No signed checkpoint yet: schedule `flask --app wsgi audit checkpoint`."
    age = utcnow() - verdict.last_checkpoint_at
    hours = age.total_seconds() / 3600
    since = max(verdict.events - (verdict.last_checkpoint_seq or 0), 0)
    return (
        f"Last signed checkpoint: event {verdict.last_checkpoint_seq}, signed "
        f"{verdict.last_checkpoint_at:%Y-%m-%d %H:%M:%S} UTC "
        f"({hours:.1f} hours ago; {since} events after it)"
    )


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the chain's current end (run periodically, e.g. hourly from cron)."""
    row = audit_verify.checkpoint(db.session, current_app.config["KP_AUDIT_SIGNING_KEY"])
    db.session.commit()
    if row is None:
        click.echo("nothing new to sign")
        return
    click.echo(f"signed checkpoint at event {row.seq}")
    # Keep this line outside the database (cron mail, log archive): `audit verify --expect`
    # then catches even a rewrite that also deleted the stored checkpoints.
    click.echo(f"checkpoint {row.seq}:{row.hash} signed {row.signed_at:%Y-%m-%dT%H:%M:%SZ}")
