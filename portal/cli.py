"""Command-line interface: ``flask --app wsgi db|demo|keys|sessions|grants|...``."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.migrate import alembic_config

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


def _cfg():
    return alembic_config(current_app.config["DATABASE_URL"])


def _next_revision_id(cfg: Config) -> str:
    """Revisions are numbered in chain order (a test holds them to it), so a new one takes
    the number after the head instead of Alembic's random id."""
    head = ScriptDirectory.from_config(cfg).get_current_head()
    return f"{int(head or 0) + 1:04d}"


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    command.upgrade(_cfg(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (default: one step)."""
    command.downgrade(_cfg(), revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's current revision."""
    command.current(_cfg())


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Draft a new migration from the models (review it by hand before committing)."""
    cfg = _cfg()
    command.revision(cfg, message=message, autogenerate=autogenerate, rev_id=_next_revision_id(cfg))


def init_app(app: Flask) -> None:
    from portal.accounts.cli import sessions_cli
    from portal.audit.cli import audit_cli
    from portal.covenant.cli import covenant_cli
    from portal.crypto.cli import keys_cli
    from portal.demo import demo_cli
    from portal.grants import grants_cli
    from portal.outbox.cli import outbox_cli
    from portal.reports.cli import stats_command
    from portal.retention.cli import retention_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(covenant_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(stats_command)
    app.cli.add_command(sessions_cli)
    app.cli.add_command(grants_cli)
