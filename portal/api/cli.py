"""``flask --app wsgi api ...``: partner systems from the command line, for the operator who
sets up a partner's first connection (an organisation's admin does the same on its page)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.api.models import SCOPES
from portal.api.service import clients
from portal.errors import DomainError
from portal.extensions import db

api_cli = AppGroup("api", help="Partner systems (OAuth 2.0 clients) of the API.")


@api_cli.command("register")
@click.argument("organisation")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), required=True)
def register(organisation: str, name: str, scopes: tuple[str, ...]) -> None:
    """Register a system of ORGANISATION (its slug) and print its client id and secret once."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == organisation))
    if org is None:
        raise click.ClickException(f"no organisation {organisation!r}")
    # The operator acts as the organisation's admin would, and is named so in the audit log.
    actor = Actor(
        kind="staff", organisation_id=org.id, roles=frozenset({"org_admin"}), label="cli:api"
    )
    try:
        client, secret = clients.register_client(db.session, actor, name=name, scopes=scopes)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"client_id:     {client.client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo("The secret is shown once; the portal keeps only its digest.")


@api_cli.command("deliver")
@click.option("--batch", default=50, show_default=True)
@click.option("--loop", is_flag=True, help="Keep delivering, as a worker does.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def deliver(batch: int, loop: bool, interval: float) -> None:
    """Post the webhook deliveries that are due (run it next to ``outbox deliver``)."""
    from flask import current_app

    from portal.api.service.webhooks import deliver_pending

    config = current_app.config
    while True:
        report = deliver_pending(
            db.session,
            secret_key=config["SECRET_KEY"],
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
            backoff_seconds=config["OUTBOX_BACKOFF_SECONDS"],
            batch=batch,
        )
        click.echo(
            f"{report.delivered} delivered, {report.retrying} to retry, {report.failed} failed"
        )
        if not loop:
            return
        time.sleep(interval)


@api_cli.command("purge")
def purge() -> None:
    """Delete what the API keeps only for a while: idempotency answers and used assertion ids
    after a day, tokens a day after they ran out (run it from cron, like ``sessions purge``)."""
    from portal.api.service.housekeeping import purge_expired

    counts = purge_expired(db.session)
    db.session.commit()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " deleted")
