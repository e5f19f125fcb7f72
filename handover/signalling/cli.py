"""``flask --app wsgi signalling refresh``: rebuild the readiness rows (after a covenant
change; daily from cron, since days overdue grow without anything being recorded)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from handover.signalling import service
from portal.accounts.models import Organisation
from portal.extensions import db

signalling_cli = AppGroup("signalling", help="Early signalling: readiness to report.")


@signalling_cli.command("refresh")
@click.option("--org", "slug", default=None, help="Only this organisation (its slug).")
def refresh_command(slug: str | None) -> None:
    """Recompute every case's readiness to be reported (committed per batch)."""
    organisation_id = None
    if slug is not None:
        organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.slug == slug)
        )
        if organisation_id is None:
            raise click.ClickException(f"unknown organisation {slug!r}")
    kept = service.refresh_all(db.session, organisation_id=organisation_id, commit=True)
    db.session.commit()
    click.echo(f"readiness rows: {kept}")
