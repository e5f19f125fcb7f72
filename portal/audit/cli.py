"""``flask --app wsgi audit seal|verify|checkpoint|prune``: for operators and cron."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.actor import Actor
from portal.audit import service
from portal.audit import verify as audit_verify
from portal.audit.describe import covenant_or_none
from portal.audit.models import AuditEvent
from portal.audit.retention import MIN_RETENTION_YEARS, prune
from portal.db import utcnow, write_lock
from portal.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


def _keys():
    cfg = current_app.config
    return audit_verify.public_keys(cfg["KP_AUDIT_SIGNING_KEY"], cfg["KP_AUDIT_PUBLIC_KEYS"])


def _checkpoint_file() -> Path:
    return Path(current_app.config["KP_AUDIT_CHECKPOINT_FILE"])


def _kept(path: Path) -> dict[int, str]:
    """The checkpoints kept in the checkpoint file (a missing file keeps none)."""
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        parsed = audit_verify.parse_checkpoint(line)
        if parsed:
            found[parsed[0]] = parsed[1]
    return found


def _expected(values: tuple[str, ...]) -> dict[int, str]:
    found = {}
    for value in values:
        parsed = audit_verify.parse_checkpoint(value)
        if parsed is None:
            raise click.BadParameter(f"expected SEQ:HASH, got {value!r}", param_hint="--expect")
        found[parsed[0]] = parsed[1]
    return found


def seal_waiting() -> int:
    """Seal what waits, in a transaction of its own that takes the write lock first."""
    db.session.commit()
    with write_lock():
        sealed = service.seal(db.session)
        db.session.commit()
    return sealed


@audit_cli.command("seal")
def seal_command() -> None:
    """Give waiting events their place in the hash chain (cron: every minute)."""
    click.echo(f"sealed {seal_waiting()} events")


@audit_cli.command("verify")
@click.option(
    "--expect",
    multiple=True,
    metavar="SEQ:HASH",
    help="A checkpoint kept outside the database (as printed by `audit checkpoint`).",
)
def verify_command(expect: tuple[str, ...]) -> None:
    """Seal, then check the whole hash chain, every signed checkpoint and every checkpoint in
    the checkpoint file; exit 1 at the first break."""
    seal_waiting()
    session = db.session
    path = _checkpoint_file()
    expected = {**_kept(path), **_expected(expect)}
    total = session.scalar(select(func.count(AuditEvent.id))) or 0
    started = time.perf_counter()
    with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
        verdict = audit_verify.verify(session, _keys(), progress=bar.update, expected=expected)
    seconds = time.perf_counter() - started
    click.echo(_checkpoint_line(verdict))
    if not path.exists():
        click.echo(f"No checkpoint file yet ({path}): `audit checkpoint` writes it.")
    if verdict.broken:
        where = f"event {verdict.broken.seq}" if verdict.broken.seq else "the log"
        click.echo(f"BROKEN at {where}: {verdict.broken.reason}", err=True)
        raise SystemExit(1)
    click.echo(
        f"OK: {verdict.events} events, {verdict.checkpoints} signed checkpoints "
        f"({len(expected)} kept outside), {seconds:.1f} s"
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


def write_checkpoint() -> str | None:
    """Seal, sign the chain's current end and append it to the checkpoint file; the line
    written, or None when nothing new was sealed since the last checkpoint."""
    seal_waiting()
    row = audit_verify.checkpoint(db.session, current_app.config["KP_AUDIT_SIGNING_KEY"])
    db.session.commit()
    if row is None:
        return None
    line = audit_verify.checkpoint_line(row)
    path = _checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="ascii") as kept:
        kept.write(line + "\n")
    return line


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Seal, then sign the chain's current end and append it to the checkpoint file (run
    periodically: the scheduler does, hourly)."""
    line = write_checkpoint()
    if line is None:
        click.echo("nothing new to sign")
        return
    click.echo(f"signed checkpoint at event {line.split(':', 1)[0]}")
    # Keep this line elsewhere too (cron mail, log archive): `audit verify --expect`.
    click.echo(f"checkpoint {line}")


def prune_old() -> str:
    """Remove the events older than the covenant's audit retention (at least five years), up
    to the newest checkpoint signed before then; what was done, in words."""
    seal_waiting()
    covenant = covenant_or_none(db.session)
    years = covenant.audit_retention_years if covenant is not None else MIN_RETENTION_YEARS
    with write_lock():
        done = prune(db.session, Actor.system("job:audit prune"), years=years, now=utcnow())
        db.session.commit()
    if done is None:
        return f"nothing older than {years} years to remove"
    return f"removed {done.events} events up to event {done.up_to_seq} ({years} years)"


@audit_cli.command("prune")
def prune_command() -> None:
    """Remove the events older than the covenant's audit retention (daily, after `audit
    verify`)."""
    click.echo(prune_old())
