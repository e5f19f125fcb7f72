"""``flask --app wsgi stats``: the statistics page's figures, printed."""

from __future__ import annotations

import click
from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.extensions import db
from portal.reports.service import ERASED, case_statistics


@click.command("stats")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 120))
@click.option("--organisation", "slug", default=None, help="Only this organisation's cases.")
def stats_command(months: int, slug: str | None) -> None:
    """Cases opened per month by status and signal kind; erased cases still count."""
    session = db.session
    organisation_id = None
    if slug:
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.slug == slug))
        if organisation_id is None:
            raise click.ClickException(f"no organisation {slug}")
    figures = case_statistics(
        session, Actor.system("cli:stats"), months=months, organisation_id=organisation_id
    )
    statuses = list(figures.statuses)
    columns = ["month", "cases", *statuses, ERASED, *figures.signal_kinds]
    widths = [max(len(c), 7) for c in columns]
    click.echo("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for m in figures.months:
        cells = [
            m.month,
            m.cases,
            *(m.by_status.get(s, 0) for s in statuses),
            m.erased,
            *(m.by_signal.get(k, 0) for k in figures.signal_kinds),
        ]
        click.echo("  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True)))
    click.echo(f"total: {figures.total} cases, of which {figures.erased} erased")
