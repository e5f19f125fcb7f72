"""``flask --app wsgi retention run [--dry-run]``: apply the covenant's retention periods.

Run it daily from cron. It commits once per batch of cases, so an interrupted run is simply
started again; a dry run prints the same plan and changes nothing.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.actor import Actor
from portal.covenant.rules import NoActiveCovenant
from portal.extensions import db
from portal.retention.service import (
    CasePlan,
    RetentionError,
    Schedule,
    count_candidates,
    retention_batch,
)

retention_cli = AppGroup("retention", help="Erase personal data when its retention period ends.")


def _line(plan: CasePlan, dry_run: bool) -> str:
    verb = "would erase" if dry_run else "erased"
    parts = [f"{c} ({n} rows)" for c, n in sorted(plan.erase.items())]
    text = f"{plan.reference} (closed {plan.closed_at:%Y-%m-%d}): "
    text += f"{verb} " + ", ".join(parts) if parts else "nothing left to erase"
    if plan.shred:
        text += "; " + ("would destroy" if dry_run else "destroyed") + " the case key"
    return text


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would be erased; change nothing.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
def retention_run(dry_run: bool, batch_size: int) -> None:
    """Erase the categories whose period has passed; shred a case once all have passed."""
    from portal.db import utcnow

    session = db.session
    actor = Actor.system("cli:retention run")
    now = utcnow()
    try:
        schedule = Schedule.from_covenant(session)
    except (NoActiveCovenant, RetentionError) as exc:
        raise click.ClickException(str(exc.message or exc)) from None
    for category in schedule.unknown:
        click.echo(
            f"warning: category '{category}' has no retention period in the covenant: "
            "it is kept, and cases holding it are not shredded",
            err=True,
        )
    total = count_candidates(session, schedule, now)
    changed: list[CasePlan] = []
    looked_at = 0
    after_id = 0
    with click.progressbar(length=total, label="Retention", file=sys.stderr) as bar:
        while True:
            result = retention_batch(
                session,
                actor,
                schedule,
                now=now,
                after_id=after_id,
                batch_size=batch_size,
                dry_run=dry_run,
            )
            if result.last_id is None:
                break
            if not dry_run:  # a dry run only reads: nothing to commit or undo
                session.commit()
            after_id = result.last_id
            looked_at += len(result.plans)
            changed += [p for p in result.plans if p.changes]
            bar.update(len(result.plans))
    for plan in changed:
        click.echo(_line(plan, dry_run))
    erased = sum(1 for p in changed if p.erase)
    shredded = sum(1 for p in changed if p.shred)
    prefix = "Dry run, nothing changed. Would have" if dry_run else "Done:"
    click.echo(
        f"{prefix} erased data of {erased} cases and destroyed the keys of {shredded} "
        f"({looked_at} closed cases past their shortest retention period checked)."
    )
