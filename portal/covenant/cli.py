"""``flask --app wsgi covenant load FILE | show [NUMBER]``."""

from __future__ import annotations

from typing import BinaryIO

import click
from flask.cli import AppGroup

from portal.actor import Actor
from portal.covenant import policy
from portal.covenant.rules import active_version, covenant_of
from portal.covenant.service import CovenantInvalid, load_version
from portal.errors import NotFound
from portal.extensions import db

covenant_cli = AppGroup("covenant", help="The covenant: load a new version, show one.")


@covenant_cli.command("load")
@click.argument("file", type=click.File("rb"))
def load(file: BinaryIO) -> None:
    """Check FILE (TOML) and store it as a new draft version.

    Every error is listed with its place in the file, and nothing is stored. Loading a file
    identical to a stored version is a no-op.
    """
    source = file.read()
    actor = Actor.system("cli:covenant load")
    try:
        result = load_version(db.session, actor, source)
    except CovenantInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        for problem in exc.warnings:
            click.echo(f"warning: {problem}", err=True)
        count = len(exc.problems)
        raise click.ClickException(
            f"{count} error{'s' if count != 1 else ''}; the covenant was not loaded."
        ) from None
    version = result.version
    if not result.created:
        click.echo(
            f"Identical to version {version.number} ({version.status}, sha256 {version.sha256}); "
            "nothing loaded."
        )
        return
    db.session.commit()
    for problem in result.warnings:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"Loaded version {version.number} as a draft (sha256 {version.sha256}).")
    click.echo(
        "It becomes active when every partner's admin has accepted it in the portal, "
        "or when the covenant admin activates it."
    )


@covenant_cli.command("show")
@click.argument("number", type=int, required=False)
def show(number: int | None) -> None:
    """Print the active version (or version NUMBER): hash, partners and a summary."""
    if number is None:
        version = active_version(db.session)
        if version is None:
            raise click.ClickException("No covenant version is active.")
    else:
        try:
            version = policy.get_version(db.session, number)
        except NotFound:
            raise click.ClickException(f"No covenant version {number}.") from None
    covenant = covenant_of(version)
    out = click.echo
    out(f"Covenant version {version.number} ({version.status})")
    out(f"  sha256     {version.sha256}")
    out(f"  region     {covenant.region}")
    out(f"  title      {covenant.title.en}")
    if covenant.effective_from:
        out(f"  effective  {covenant.effective_from}")
    out(f"  loaded     {version.loaded_at:%Y-%m-%d %H:%M} UTC by {version.loaded_by}")
    if version.activated_at:
        out(f"  activated  {version.activated_at:%Y-%m-%d %H:%M} UTC ({version.activated_how})")
    out("Partners:")
    for partner in covenant.partners.values():
        roles = ", ".join(partner.roles)
        out(f"  {partner.slug:<14} {roles:<22} {partner.name.en}")
    out("Purposes:")
    for purpose in covenant.purposes.values():
        out(f"  {purpose.code} — {purpose.name.en}")
        for role, package in purpose.sharing.items():
            shared = ", ".join(f"{cat} ({basis})" for cat, basis in package.items())
            out(f"    to {role}: {shared}")
        for rung in purpose.ladder:
            out(
                f"    ladder {rung.position + 1}: {rung.role} (respond in {rung.response_days} d, "
                f"first contact in {rung.first_contact_days} d)"
            )
    if covenant.decisions:
        out("Decisions:")
        for decision in covenant.decisions.values():
            extra = f" (+{', '.join(decision.voters_if_minors)} with minors)"
            veto = f", veto: {', '.join(decision.veto)}" if decision.veto else ""
            out(
                f"  {decision.code}: {decision.rule} of {', '.join(decision.voters)}"
                f"{extra if decision.voters_if_minors else ''}{veto}, "
                f"{decision.voting_days} days; steps: {', '.join(decision.prevention_steps)}"
            )
    out("Retention after a case closes:")
    for category in covenant.categories.values():
        special = " (special)" if category.special else ""
        out(f"  {category.code:<16} {category.retention_days} days{special}")
