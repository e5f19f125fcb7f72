"""``flask --app wsgi keys ...``: master-key rotation, key status, crypto-shredding.

Each command acts as a system actor (``cli:keys <command>``) and is audited. Rotation commits
once per batch, so an interrupted run is simply started again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.actor import Actor
from portal.audit.service import record
from portal.crypto.errors import CryptoError
from portal.crypto.keyring import add_to_key_file, new_master_key_entry, next_version
from portal.crypto.service import key_status, pending_rotation, rewrap_batch
from portal.extensions import db

keys_cli = AppGroup("keys", help="Field-encryption keys: status, rotation, crypto-shredding.")


@keys_cli.command("status")
def keys_status() -> None:
    """Data keys per master-key version, and how many were destroyed."""
    status = key_status(db.session)
    click.echo(f"Primary master key version: {status.primary_version}")
    click.echo("Live data keys per master-key version:")
    if not status.per_version:
        click.echo("  (none)")
    for version, count in status.per_version.items():
        mark = " (primary)" if version == status.primary_version else ""
        click.echo(f"  {version}: {count}{mark}")
    click.echo(f"Destroyed data keys (shredded): {status.destroyed}")
    if status.pending:
        click.echo(f"Not yet on the primary version: {status.pending} (run `keys rotate`)")


@keys_cli.command("new-master-key")
def keys_new_master_key() -> None:
    """Generate the next master-key version and make it primary in the key file.

    With KP_MASTER_KEYS (keys in the environment) the new entry is printed instead: put it
    first in KP_MASTER_KEYS on every app server, then run `keys rotate`.
    """
    config = current_app.config
    if config.get("KP_KEY_WRAPPER"):
        raise click.ClickException("keys are held by KP_KEY_WRAPPER: rotate them there")
    versions = list(getattr(_wrapper(), "versions", ()))
    entry = new_master_key_entry(next_version(versions))
    version = entry.split(":", 1)[0]
    in_file = bool(config.get("KP_MASTER_KEY_FILE")) and not config.get("KP_MASTER_KEYS")
    if in_file:
        add_to_key_file(Path(config["KP_MASTER_KEY_FILE"]), entry)
    record(
        db.session,
        Actor.system("cli:keys new-master-key"),
        "keys.new_master_key",
        detail={"version": version, "stored": "key-file" if in_file else "printed"},
    )
    db.session.commit()
    if in_file:
        click.echo(f"Master key {version} added as primary to KP_MASTER_KEY_FILE.")
        click.echo("Restart the app servers, then run `flask --app wsgi keys rotate`.")
        return
    click.echo(f"New master key {version}. Put it first in KP_MASTER_KEYS, keep the old ones:")
    click.echo(entry)


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def keys_rotate(batch_size: int) -> None:
    """Re-wrap every data key with the primary master key (data is not re-encrypted).

    Configure or generate the new master-key version first (`keys new-master-key`); it must
    be primary. Commits per batch: after a crash, run it again to finish.
    """
    session = db.session
    actor = Actor.system("cli:keys rotate")
    primary = _wrapper().primary_version
    total = pending_rotation(session)
    if total == 0:
        click.echo(f"Every data key is already wrapped by {primary}.")
        return
    click.echo(f"Re-wrapping {total} data keys with master key {primary}.")
    done = 0
    try:
        with click.progressbar(length=total, label="Re-wrapping") as bar:
            while n := rewrap_batch(session, actor, batch_size):
                session.commit()
                done += n
                bar.update(n)
    except CryptoError as exc:
        session.rollback()
        raise click.ClickException(f"{exc} ({done} re-wrapped before it stopped)") from None
    click.echo(f"Done: {done} data keys now wrapped by {primary}.")


@keys_cli.command("shred")
@click.argument("case_reference")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def keys_shred(case_reference: str, yes: bool) -> None:
    """Destroy the data key of CASE_REFERENCE: its personal data is erased for good.

    Asks for confirmation when run from a terminal (skip with --yes).
    """
    from portal.cases.policy import load_case_by_reference
    from portal.cases.service import shred_case
    from portal.errors import NotFound

    session = db.session
    actor = Actor.system("cli:keys shred")
    try:
        case = load_case_by_reference(session, actor, case_reference)
    except NotFound:
        raise click.ClickException(f"no case {case_reference}") from None
    if not yes and sys.stdin.isatty():
        click.confirm(
            f"Erase the personal data of {case.reference} for good? This cannot be undone",
            abort=True,
        )
    destroyed = shred_case(session, actor, case)
    session.commit()
    if destroyed:
        click.echo(f"Data key of {case.reference} destroyed; its personal data is erased.")
    else:
        click.echo(f"The data key of {case.reference} was already destroyed.")


def _wrapper():
    from portal.crypto.context import STATE_KEY

    return current_app.extensions[STATE_KEY].wrapper
