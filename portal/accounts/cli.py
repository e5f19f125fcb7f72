"""``flask --app wsgi sessions purge``: delete browser sessions that timed out.

Requests already refuse (and delete) a timed-out session they are shown; this removes the rest,
the sessions nobody comes back to. Run it from cron.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.accounts.session_store import purge_expired
from portal.db import utcnow
from portal.extensions import db

sessions_cli = AppGroup("sessions", help="Server-side browser sessions.")


@sessions_cli.command("purge")
def purge() -> None:
    """Delete every session past its idle or absolute limit."""
    count = purge_expired(db.session, current_app.config, utcnow())
    db.session.commit()
    click.echo(f"{count} expired sessions deleted")
