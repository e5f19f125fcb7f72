"""``flask --app wsgi consent ...``: the consent jobs, calling the same services as the pages."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from consent import service
from portal.actor import Actor
from portal.extensions import db

consent_cli = AppGroup("consent", help="Consent records: jobs.")


@consent_cli.command("expire")
def expire() -> None:
    """Record the expiry of every consent whose period ended, and notify (run daily).

    Expired consents already stop counting without this job; it records the event, tells the
    owner and asks the recipients to acknowledge."""
    events = service.expire_due(db.session, Actor.system("cli:consent expire"))
    db.session.commit()
    click.echo(f"{len(events)} consent record(s) expired.")
