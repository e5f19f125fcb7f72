"""Demo data for ``make run``: a fictional region with five partners and their staff.

Idempotent: running it again changes nothing that exists. Refused in production.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import ROOT
from portal.accounts.models import Organisation, User, UserRole
from portal.actor import Actor
from portal.covenant.models import CovenantVersion
from portal.db import utcnow
from portal.extensions import db

DEMO_PASSWORD = "demo-Ketenportaal-2026"  # noqa: S105 - fictional demo accounts, dev only
#: The demo covenant is the documented example covenant (docs/covenant.md).
DEMO_COVENANT = ROOT / "docs" / "covenant-example.toml"

ORGANISATIONS = [
    ("corporatie", "Woonstichting Demostad"),
    ("schuldhulp", "Gemeente Demostad — Schuldhulpverlening"),
    ("crisisteam", "Gemeente Demostad — Crisisteam"),
    ("welzijn", "Welzijn Demostad"),
    ("zorg", "Zorggroep Demostad (GGZ en beschermd wonen)"),
]

# (organisation slug, e-mail, display name, portal roles)
USERS = [
    (
        "corporatie",
        "sanne@corporatie.example",
        "Sanne de Vries (bewonersconsulent)",
        ("caseworker",),
    ),
    (
        "corporatie",
        "admin@corporatie.example",
        "Pieter Jansen (beheerder)",
        ("org_admin", "covenant_admin"),
    ),
    ("schuldhulp", "ahmet@schuldhulp.example", "Ahmet Yilmaz (schuldhulpcoach)", ("caseworker",)),
    (
        "schuldhulp",
        "admin@schuldhulp.example",
        "Lotte Bakker (beheerder)",
        ("org_admin", "auditor"),
    ),
    ("crisisteam", "marieke@crisisteam.example", "Marieke Visser (crisisteam)", ("caseworker",)),
    ("crisisteam", "admin@crisisteam.example", "Joost Smit (beheerder)", ("org_admin",)),
    ("welzijn", "fatima@welzijn.example", "Fatima El Amrani (welzijnswerker)", ("caseworker",)),
    ("welzijn", "admin@welzijn.example", "Kees Mulder (beheerder)", ("org_admin",)),
    ("zorg", "daan@zorg.example", "Daan Bos (zorgcoördinator)", ("caseworker",)),
    ("zorg", "admin@zorg.example", "Eva Meijer (beheerder)", ("org_admin", "auditor")),
]


def load_demo(session: Session) -> list[tuple[str, str, str]]:
    """Create what is missing; return (organisation, e-mail, roles) of every demo account.

    Every demo account gets a TOTP secret (sealed in the database) so it can sign in with MFA;
    ``flask --app wsgi demo totp EMAIL`` prints its current code.
    """
    from portal.accounts import mfa
    from portal.accounts.passwords import hash_password
    from portal.accounts.service import set_totp_secret

    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    for slug, name in ORGANISATIONS:
        if slug not in orgs:
            orgs[slug] = Organisation(slug=slug, name=name)
            session.add(orgs[slug])
    session.flush()

    existing = set(session.scalars(select(User.email)))
    for slug, email, name, roles in USERS:
        if email in existing:
            continue
        user = User(
            organisation=orgs[slug],
            email=email,
            display_name=name,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        user.role_rows = [UserRole(role=r) for r in roles]
        session.add(user)
    session.flush()
    load_demo_covenant(session)
    demo_emails = [email for _slug, email, _n, _r in USERS]
    for user in session.scalars(select(User).where(User.email.in_(demo_emails))):
        if user.totp_secret is None:
            set_totp_secret(user, mfa.new_secret(), utcnow())
    session.flush()
    load_demo_consent(session)
    load_demo_decision(session)
    return [(slug, email, ", ".join(roles)) for slug, email, _n, roles in USERS]


def load_demo_consent(session: Session) -> None:
    """A pending consent request for the demo household, when a demo case exists (the link
    is kept on the session for ``flask demo`` to print; development only)."""
    from consent.demo import load_demo_consent as load

    session.info["kp_demo_consent"] = load(session)


def load_demo_decision(session: Session) -> object | None:
    """A Scenario C household with an eviction decision ready for the partners to vote.

    Idempotent (nothing happens once any decision exists) and independent of the other demo
    cases. The demo is the one kernel module that may reach into ``handover``: it only seeds
    data through handover's own services.
    """
    from handover.decisions.demo import load

    return load(session)


def load_demo_covenant(session: Session) -> CovenantVersion | None:
    """Load the demo covenant and have each partner's admin accept it, unless one is active.

    Goes through the same services as the CLI and the portal, so the acceptances and the
    activation ("all partners accepted") are recorded and audited like real ones.
    """
    from portal.covenant.rules import active_version
    from portal.covenant.service import accept_version, load_version, partner_acceptances

    current = active_version(session)
    if current is not None:
        return current
    version = load_version(session, Actor.system("demo"), DEMO_COVENANT.read_bytes()).version
    for partner in partner_acceptances(session, version):
        if partner.acceptance is not None or partner.organisation is None:
            continue
        admin = next(
            (u for u in partner.organisation.users if "org_admin" in u.roles and u.active), None
        )
        if admin is None:
            continue
        actor = Actor(
            kind="staff",
            user_id=admin.id,
            organisation_id=admin.organisation_id,
            roles=admin.roles,
            label="demo",
        )
        accept_version(session, actor, version, version.sha256)
    return version


@click.group("demo", invoke_without_command=True)
@click.pass_context
@with_appcontext
def demo_cli(ctx: click.Context) -> None:
    """Load the demo region and accounts (development only); print the accounts."""
    if current_app.config["KP_ENV"] == "production":
        raise click.ClickException("demo data is not available in production")
    if ctx.invoked_subcommand is not None:
        return
    from portal.covenant.rules import active_version

    accounts = load_demo(db.session)
    db.session.commit()
    version = active_version(db.session)
    if version is not None:
        click.echo(f"Covenant: version {version.number} is active (sha256 {version.sha256}).")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for slug, email, roles in accounts:
        click.echo(f"  {slug:<11} {email:<28} {roles}")
    click.echo("Sign-in code (second step): flask --app wsgi demo totp EMAIL")
    consent = db.session.info.pop("kp_demo_consent", None)
    if consent is not None:
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        page = f"{base}/casussen/{consent.case_id}/toestemming"
        click.echo(f"Consent (case {consent.case_reference}): {page}")
        if consent.link:
            where = (
                f"a text file in {current_app.instance_path}/sms/"
                if consent.channel == "sms" and current_app.config["SMS_BACKEND"] == "file"
                else f"the {consent.channel} backend (see MAIL_BACKEND / SMS_BACKEND)"
            )
            click.echo(f"  The tenant's consent link (works once): {consent.link}")
            click.echo(f"  The tenant's code arrives as {where}.")
            if consent.birth_date:
                click.echo(f"  The demo tenant's birth date: {consent.birth_date:%d-%m-%Y}")
        else:
            click.echo(
                f"  The demo tenant already answered; come back at {base}/toestemming/terugkomen"
            )


@demo_cli.command("totp")
@click.argument("email")
def demo_totp(email: str) -> None:
    """Print the current sign-in code of a demo account (development only)."""
    from portal.accounts import mfa
    from portal.accounts.service import find_user_by_email, totp_secret

    if current_app.config["KP_ENV"] not in ("development", "testing"):
        raise click.ClickException("demo codes are only available in development")
    demo_emails = {e for _slug, e, _n, _r in USERS}
    user = find_user_by_email(db.session, email)
    if user is None or user.email not in demo_emails:
        raise click.ClickException(
            "not a demo account; load the demo first (flask --app wsgi demo)"
        )
    secret = totp_secret(user)
    if secret is None:
        raise click.ClickException("this demo account has no readable TOTP secret")
    now = utcnow()
    left = mfa.STEP_SECONDS - int(now.timestamp()) % mfa.STEP_SECONDS
    click.echo(f"{mfa.current_code(secret, now)}  (valid for {left} more seconds)")
