"""``flask --app wsgi signals import FILE --org SLUG``: the monthly arrears file, by hand.

The same parser and service as the upload page: the whole file is checked first, every bad
row is printed with its line, column and reason, and then nothing is imported (exit 1).
A command's output often ends up in a log (cron, a CI job), so the refused values (never
those of a column with personal data: ``signal_csv.PERSONAL``) and each row's tenant number
(personal data) are printed only when asked for with ``--show-values``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.cases import signal_csv
from portal.cases.intake import import_signals, signal_from_row
from portal.cases.service import DEFAULT_CONTACT_DAYS
from portal.errors import DomainError
from portal.extensions import db

signals_cli = AppGroup("signals", help="Signals from the rent administration.")


@signals_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="Slug of the receiving organisation.")
@click.option(
    "--show-values",
    is_flag=True,
    help="Also print each refused value (not those of personal data) and the row's tenant "
    "number (personal data: not for output that is logged).",
)
def import_file(file: Path, org_slug: str, show_values: bool) -> None:
    """Import FILE (CSV) for organisation ORG: all rows, or none when one is invalid."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if organisation is None:
        raise click.ClickException(f"no organisation with slug {org_slug!r}")
    parsed = signal_csv.parse(file.read_bytes())
    if parsed.errors:
        for error in parsed.errors:
            value = f" [{error.value}]" if show_values and error.value is not None else ""
            tenant = (
                f" (tenant_number {error.tenant_number})"
                if show_values and error.tenant_number
                else ""
            )
            click.echo(f"{error}{value}{tenant}", err=True)
        click.echo(f"{len(parsed.errors)} error(s) in {file.name}: nothing was imported.", err=True)
        raise SystemExit(1)
    click.echo(f"Read as {parsed.encoding}, {parsed.column_set} columns.")
    if parsed.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(parsed.ignored_columns)}")
    actor = Actor.system("cli:signals import")
    signals = [signal_from_row(row) for row in parsed.rows]
    with click.progressbar(length=len(signals), label="Importing signals") as bar:

        def progress(done: int) -> None:
            bar.update(done - bar.pos)

        try:
            result = import_signals(
                db.session,
                actor,
                organisation,
                signals,
                contact_days=int(
                    current_app.config.get("CASE_CONTACT_DAYS") or DEFAULT_CONTACT_DAYS
                ),
                source="import",
                progress=progress,
            )
        except DomainError as exc:  # a rule of the service, not of the file's shape
            db.session.rollback()
            click.echo(f"\n{exc.message}", err=True)
            click.echo(f"{file.name}: nothing was imported.", err=True)
            raise SystemExit(1) from None
    db.session.commit()
    click.echo(
        f"Imported {len(signals)} signal(s) for {organisation.slug}: "
        f"{result.created} new case(s), {result.updated} updated."
    )
