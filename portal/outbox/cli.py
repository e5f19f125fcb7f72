"""``flask --app wsgi outbox deliver``: send the e-mail waiting in the outbox."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.outbox.service import deliver_for_app

outbox_cli = AppGroup("outbox", help="Outgoing e-mail (the transactional outbox).")


@outbox_cli.command("deliver")
@click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
def deliver(batch: int, loop: bool, interval: float) -> None:
    """Send pending messages; safe to run in several workers at once."""
    while True:
        report = deliver_for_app(current_app, db.session, batch=batch)
        click.echo(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")
        if not loop:
            return
        time.sleep(interval)
