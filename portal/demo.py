"""Demo data for ``make run``: a fictional region with five partners and their staff.

Idempotent: running it again changes nothing that exists; ``flask demo --reset`` drops the
whole database first and starts afresh. Refused in production.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

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
from portal.links import external_url

DEMO_PASSWORD = "demo-Ketenportaal-2026"  # noqa: S105 - fictional demo accounts, dev only
#: The demo covenant is the documented example covenant (docs/covenant.md).
DEMO_COVENANT = ROOT / "docs" / "covenant-example.toml"

ORGANISATIONS = [
    ("corporatie", "Woonstichting Demostad"),
    ("schuldhulp", "Gemeente Demostad — Schuldhulpverlening"),
    ("crisisteam", "Gemeente Demostad — Crisisteam"),
    ("welzijn", "Welzijn Demostad"),
    ("zorg", "Zorggroep Demostad (GGZ en beschermd wonen)"),
    ("opvang", "Centraal Meldpunt Opvang Demostad"),
    ("politie", "Politie Basisteam Demostad"),
    ("wijkteam", "Sociaal Wijkteam Demostad"),
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
    ("opvang", "yara@opvang.example", "Yara Peeters (meldpunt opvang)", ("caseworker",)),
    ("opvang", "admin@opvang.example", "Henk Willems (beheerder)", ("org_admin",)),
    ("politie", "rob@politie.example", "Rob Hendriks (wijkagent)", ("caseworker",)),
    ("politie", "admin@politie.example", "Anouk de Jong (beheerder)", ("org_admin",)),
    ("wijkteam", "noor@wijkteam.example", "Noor Vermeulen (wijkteam)", ("caseworker",)),
    ("wijkteam", "admin@wijkteam.example", "Bram Koster (beheerder)", ("org_admin",)),
]


def load_demo(session: Session) -> list[tuple[str, str, str]]:
    """Create what is missing; return (organisation, e-mail, roles) of every demo account.

    Every demo account gets a TOTP secret (sealed in the database) so it can sign in with MFA;
    ``flask --app wsgi demo totp EMAIL`` prints its current code. Like a real enrolment it
    also gets its recovery codes (nobody sees them), so "Mijn werk" does not warn that the
    account has none left.
    """
    from portal.accounts import mfa
    from portal.accounts.passwords import hash_password
    from portal.accounts.service import (
        remaining_recovery_codes,
        replace_recovery_codes,
        set_totp_secret,
    )

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
        if remaining_recovery_codes(session, user) == 0:
            replace_recovery_codes(session, user, utcnow())
    session.flush()
    load_demo_cases(session)
    load_demo_monthly_file(session)
    load_demo_consent(session)
    session.info["kp_demo_referral"] = load_demo_referral(session)
    load_demo_decision(session)
    session.info["kp_demo_shelter"] = load_demo_shelter(session)
    session.info["kp_demo_conditions"] = load_demo_conditions(session)
    session.info["kp_demo_signalling"] = bool(load_demo_signalling(session))
    session.info["kp_demo_fraud"] = load_demo_fraud(session)
    session.info["kp_demo_nuisance"] = load_demo_nuisance(session)
    session.info["kp_demo_meeting"] = load_demo_meetings(session, session.info["kp_demo_nuisance"])
    return [(slug, email, ", ".join(roles)) for slug, email, _n, roles in USERS]


def load_demo_consent(session: Session) -> None:
    """A pending consent request for the demo household, when a demo case exists (the link
    is kept on the session for ``flask demo`` to print; development only)."""
    from consent.demo import load_demo_consent as load

    session.info["kp_demo_consent"] = load(session)


def load_demo_referral(session: Session) -> object | None:
    """Scenario B, one step before the end: a referral the debt coach returned after failing
    to reach the tenant, which the covenant offered to welfare by itself; and a referral
    nobody answered, expired and offered on (seeded through handover's own services, like the
    decision below)."""
    from handover.demo import load

    return load(session)


def load_demo_decision(session: Session) -> object | None:
    """A Scenario C household with an eviction decision ready for the partners to vote.

    Idempotent (nothing happens once any decision exists) and independent of the other demo
    cases. The demo is the one kernel module that may reach into ``handover``: it only seeds
    data through handover's own services.
    """
    from handover.decisions.demo import load

    return load(session)


def load_demo_shelter(session: Session) -> object | None:
    """An approved eviction of a family with two children whose shelter hand-over is under
    way (a place arranged, school and care not informed yet): the bailiff has to wait."""
    from handover.shelter.demo import load

    return load(session)


def load_demo_conditions(session: Session) -> object | None:
    """A last-chance trajectory three months on: its conditions followed by care, debt help
    and the corporation, one review kept, one breach, the next reviews open."""
    from handover.conditions.demo import load

    return load(session)


def load_demo_signalling(session: Session) -> list:
    """Early signalling under the covenant's ``[signalling]`` section: cases ready to report,
    one held back for a missing reminder, one with an objection, and two reported signals the
    municipality worked on (seeded through the services; idempotent and independent)."""
    from handover.signalling.demo import load

    return load(session)


def load_demo_nuisance(session: Session) -> object | None:
    """A nuisance file: reports by a neighbour, the police and the corporation, an agreement
    kept and one broken, the social district team and the police involved (seeded through
    the nuisance room's services; idempotent and independent)."""
    from handover.nuisance.demo import load

    return load(session)


def load_demo_fraud(session: Session) -> object | None:
    """A housing-fraud investigation (sublet) with a house visit, evidence, the tenant's
    response, the subtenant referred for help and a sealed court file (seeded through the
    fraud room's services; idempotent and independent)."""
    from handover.fraud.demo import load

    return load(session)


def load_demo_meetings(session: Session, case: object | None) -> object | None:
    """The nuisance case discussed in a case meeting three days ago with the tenant at the
    table (minutes, agreements as tasks, a guest who signed), and the next meeting planned."""
    from handover.meetings.demo import load

    return load(session, case)  # type: ignore[arg-type]  # the nuisance demo's case


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


def reset_demo() -> None:
    """Start afresh: every table dropped and migrated again (``migrate.reset_database``), and
    the development mail and SMS folders emptied (their links point into the old data)."""
    from portal.migrate import reset_database
    from portal.outbox.dev_mailbox import mail_dir, sms_dir

    db.session.close()  # its connection back to the pool, which the reset empties
    reset_database(db.engine, current_app.config["DATABASE_URL"])
    for directory, pattern in ((mail_dir(current_app), "*.eml"), (sms_dir(current_app), "*.txt")):
        for path in directory.glob(pattern):
            path.unlink(missing_ok=True)
    click.echo("Reset: every table dropped and migrated again.")
    checkpoints = Path(current_app.config["KP_AUDIT_CHECKPOINT_FILE"])
    if checkpoints.exists():
        click.echo(
            f"  {checkpoints} holds checkpoints of the old audit log: move it aside before "
            "`flask --app wsgi audit verify`."
        )


@click.group("demo", invoke_without_command=True)
@click.option(
    "--reset",
    is_flag=True,
    help="First drop everything in the database (all of it, not only the demo's) and start afresh.",
)
@click.pass_context
@with_appcontext
def demo_cli(ctx: click.Context, reset: bool) -> None:
    """Load the demo region and accounts (development only); print the accounts."""
    if current_app.config["KP_ENV"] == "production":
        raise click.ClickException("demo data is not available in production")
    if ctx.invoked_subcommand is not None:
        if reset:
            raise click.UsageError("--reset loads the demo afresh: give it without a command")
        return
    from portal.covenant.rules import active_version
    from portal.outbox import dev_mailbox

    if reset:
        reset_demo()
    accounts = load_demo(db.session)
    db.session.commit()
    mailbox = None
    if dev_mailbox.enabled(current_app):  # the demo's e-mail, at once on the mailbox page
        dev_mailbox.deliver_now(current_app, db.session)
        mailbox = external_url("outbox.dev_mailbox")
        click.echo(f"Development mailbox (e-mail and text messages): {mailbox}")
    version = active_version(db.session)
    if version is not None:
        click.echo(f"Covenant: version {version.number} is active (sha256 {version.sha256}).")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for slug, email, roles in accounts:
        click.echo(f"  {slug:<11} {email:<28} {roles}")
    click.echo("Sign-in code (second step): flask --app wsgi demo totp EMAIL")
    consent = db.session.info.pop("kp_demo_consent", None)
    if consent is not None:
        page = external_url("consent.case_consents", case_id=consent.case_id)
        click.echo(f"Consent (case {consent.case_reference}): {page}")
        if consent.link:
            if mailbox and consent.channel == "sms" and current_app.config["SMS_BACKEND"] == "file":
                where = f"the development mailbox, {mailbox}"
            elif consent.channel == "sms" and current_app.config["SMS_BACKEND"] == "file":
                where = f"a text file in {current_app.instance_path}/sms/"
            else:
                where = f"the {consent.channel} backend (see MAIL_BACKEND / SMS_BACKEND)"
            click.echo(f"  The tenant's consent link (works once): {consent.link}")
            click.echo(f"  The tenant's code arrives as {where}.")
            if consent.birth_date:
                click.echo(f"  The demo tenant's birth date: {consent.birth_date:%d-%m-%Y}")
        else:
            click.echo(
                "  The demo tenant already answered; come back at "
                + external_url("consent_tenant.come_back")
            )
    referral = db.session.info.pop("kp_demo_referral", None)
    if referral is not None:
        click.echo(
            f"Referral (case {referral.case.reference}, {referral.status}): "
            + external_url("handover.detail", referral_id=referral.id)
        )
        if referral.status == "sent":
            click.echo(
                "  The debt coach returned it and the covenant offered it to welfare: accept it"
                " as fatima@welzijn.example"
            )
    shelter = db.session.info.pop("kp_demo_shelter", None)
    if shelter is not None:
        click.echo(
            f"Shelter hand-over (case {shelter.case.reference}): "
            + external_url("shelter.detail", handover_id=shelter.id)
            + " (yara@opvang.example ticks school and care; until then the bailiff waits on "
            + external_url("decisions.detail", decision_id=shelter.decision_id)
            + ", sanne@corporatie.example)"
        )
    trajectory = db.session.info.pop("kp_demo_conditions", None)
    if trajectory is not None:
        click.echo(
            f"Trajectory conditions (case {trajectory.case.reference}): "
            + external_url("conditions.trajectory", trajectory_id=trajectory.id)
            + " (reviews in Mijn werk of daan@zorg.example and ahmet@schuldhulp.example)"
        )
    fraud = db.session.info.pop("kp_demo_fraud", None)
    if fraud is not None:
        click.echo(
            f"Housing fraud (case {fraud.case.reference}, sublet, sealed court file): "
            + external_url("fraud.detail", case_id=fraud.case_id, investigation_id=fraud.id)
            + " (sanne@corporatie.example)"
        )
    if db.session.info.pop("kp_demo_signalling", False):
        click.echo(
            "Early signalling: the ready list "
            + external_url("signalling.ready")
            + " (sanne@corporatie.example); the municipality's signals "
            + external_url("earlysignal.inbox")
            + " (ahmet@schuldhulp.example)"
        )
    nuisance = db.session.info.pop("kp_demo_nuisance", None)
    if nuisance is not None:
        click.echo(
            f"Nuisance (case {nuisance.reference}, reports, agreements, police and district "
            "team involved): "
            + external_url("nuisance.for_case", case_id=nuisance.id)
            + " (sanne@corporatie.example)"
        )
    meeting = db.session.info.pop("kp_demo_meeting", None)
    if meeting is not None:
        click.echo(
            f"Case meeting (held {meeting.starts_at:%d-%m-%Y}, the tenant at the table, minutes, "
            "agreements in Mijn werk of noor@wijkteam.example and rob@politie.example): "
            + external_url("meetings.item", agenda_id=meeting.items[0].id)
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


# --- demo cases -------------------------------------------------------------------------------
# All people are fictional; every BSN passes the elfproef. Dates are relative to the day the
# demo is loaded, so "overdue" means something.

#: Scenario A (docs: SCENARIOS.md): a mother with two children, two months of arrears.
SCENARIO_A_BSN = "231456712"


def _demo_households(today: date) -> list[dict]:
    from portal.cases.service import PersonData

    def tenant(surname, initials, born, bsn, street, number, postcode, **extra):
        return PersonData(
            surname=surname,
            initials=initials,
            birth_date=born,
            bsn=bsn,
            street=street,
            house_number=number,
            postcode=postcode,
            city="Demostad",
            is_main_tenant=True,
            **extra,
        )

    def child(surname, initials, born):
        return PersonData(
            surname=surname, initials=initials, birth_date=born, relation="child", minor=True
        )

    days = timedelta
    return [
        {
            "org": "corporatie",
            "tenant": tenant(
                "Aydın",
                "E.",
                date(1988, 6, 12),
                SCENARIO_A_BSN,
                "Lindelaan",
                "14",
                "1234 AB",
                phone="06 12345678",
            ),
            "members": [
                child("Aydın", "M.", date(today.year - 11, 4, 2)),
                child("Aydın", "S.", date(today.year - 8, 9, 20)),
            ],
            "tenant_number": "H-204518",
            "kinds": ("arrears",),
            "arrears": (148_600, 2),
            "signal_date": today - days(12),
            "source": "import",
            "attempts": [
                (today - days(10), "phone", "not_reached", "Voicemail ingesproken."),
                (today - days(8), "whatsapp", "not_reached", "Bericht gelezen, geen antwoord."),
                (
                    today - days(5),
                    "house_visit",
                    "reached",
                    "Gesprek met mevrouw thuis. Zij wil hulp bij haar schulden.",
                ),
            ],
            "life_map": {
                "finances": ("worried", "Maakt zich zorgen over de huurachterstand."),
                "work_income": ("acute", "Is in september haar baan kwijtgeraakt."),
                "family": ("attention", "Twee kinderen, 8 en 11 jaar."),
                "social_network": ("good", "Haar zus woont dichtbij en helpt."),
            },
        },
        {
            "org": "corporatie",
            "tenant": tenant(
                "de Boer",
                "J.",
                date(1975, 2, 3),
                "231456724",
                "Kerkweg",
                "3",
                "1234 AC",
                email="j.deboer@example.org",
            ),
            "kinds": ("arrears", "nuisance"),
            "arrears": (312_000, 4),
            "signal_date": today - days(40),
            "attempts": [(today - days(35), "letter", "not_reached", "Brief met uitnodiging.")],
        },
        {
            "org": "corporatie",
            "tenant": tenant(
                "Visser", "P.", date(1962, 11, 30), "231456736", "Molenstraat", "8B", "1234 AD"
            ),
            "kinds": ("arrears",),
            "arrears": (74_300, 1),
            "signal_date": today - days(20),
        },
        {
            "org": "corporatie",
            "tenant": tenant(
                "Bakker",
                "L.",
                date(1993, 7, 14),
                "231456748",
                "Stationsplein",
                "21",
                "1234 AE",
                phone="06 23456789",
            ),
            "kinds": ("pollution",),
            "signal_date": today - days(3),
        },
        {
            "org": "corporatie",
            "tenant": tenant(
                "Mulder", "K.", date(1981, 1, 9), "231456761", "Beukenhof", "5", "1234 AG"
            ),
            "kinds": ("housing_fraud",),
            "signal_date": today - days(60),
            "attempts": [(today - days(50), "house_visit", "refused", "Deur niet geopend.")],
            "status": "closed",
        },
        {
            "org": "corporatie",
            "tenant": tenant(
                "El Idrissi",
                "N.",
                date(1979, 5, 23),
                "231456773",
                "Populierenlaan",
                "40",
                "1234 AH",
            ),
            "kinds": ("arrears", "other"),
            "arrears": (225_050, 3),
            "signal_date": today - days(25),
            "attempts": [(today - days(22), "phone", "reached", "Belt terug na overleg.")],
        },
        # Other partners know the de Boer household too: the crisis team (its involvement
        # may be known) and care (its involvement stays hidden: covenant).
        {
            "org": "crisisteam",
            "tenant": tenant(
                "de Boer", "J.", date(1975, 2, 3), "231456724", "Kerkweg", "3", "1234 AC"
            ),
            "kinds": ("nuisance",),
            "signal_date": today - days(30),
        },
        {
            "org": "zorg",
            "tenant": tenant(
                "de Boer", "J.", date(1975, 2, 3), "231456724", "Kerkweg", "3", "1234 AC"
            ),
            "kinds": ("other",),
            "signal_date": today - days(90),
        },
    ]


def _demo_actor(organisation: Organisation) -> Actor:
    """The organisation's demo caseworker: the groundwork is theirs, as in real use."""
    users = sorted(organisation.users, key=lambda u: u.id)
    user = next((u for u in users if "caseworker" in u.roles), users[0])
    return Actor(
        kind="staff",
        user_id=user.id,
        organisation_id=user.organisation_id,
        roles=user.roles,
        label="demo",
    )


def _has_open_case(session: Session, organisation: Organisation, bsn: str) -> bool:
    from portal.cases.models import BlindIndex, Case, Person
    from portal.crypto.blind_index import blind_digest

    return (
        session.scalar(
            select(Case.id)
            .join(Person, Person.case_id == Case.id)
            .join(BlindIndex, BlindIndex.person_id == Person.id)
            .where(
                Case.organisation_id == organisation.id,
                BlindIndex.field == "bsn",
                BlindIndex.digest == blind_digest(session, "bsn", bsn),
            )
            .limit(1)
        )
        is not None
    )


#: The monthly arrears file in the VNG model's columns (docs/monthly-file.md); its
#: Windows-1252 copy next to it holds the same signals (``tests/cases/test_monthly_file.py``).
DEMO_MONTHLY_FILE = ROOT / "docs" / "examples" / "maandbestand-vng.csv"
#: The day the example file was made; the demo moves its signal dates to the day it loads.
DEMO_MONTHLY_FILE_DAY = date(2026, 12, 4)


def load_demo_monthly_file(session: Session, path: Path = DEMO_MONTHLY_FILE) -> int:
    """Import the example monthly file for the corporation, once, as if it came in today:
    the same parser and service as an upload. Returns the number of signals imported."""
    from dataclasses import replace

    from portal.cases import signal_csv
    from portal.cases.intake import import_signals, signal_from_row

    organisation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
    if organisation is None:
        return 0
    parsed = signal_csv.parse(path.read_bytes(), today=DEMO_MONTHLY_FILE_DAY)
    if not parsed.ok:  # the documented example must stay valid; a test keeps it so
        raise click.ClickException(f"{path.name}: {parsed.errors[0]}")
    if _has_open_case(session, organisation, parsed.rows[0].bsn):
        return 0
    shift = utcnow().date() - DEMO_MONTHLY_FILE_DAY
    rows = [
        replace(
            row,
            signal_date=row.signal_date + shift,
            arrears_since=row.arrears_since + shift if row.arrears_since else None,
        )
        for row in parsed.rows
    ]
    import_signals(
        session,
        _demo_actor(organisation),
        organisation,
        [signal_from_row(row) for row in rows],
        source="import",
    )
    return len(rows)


def load_demo_cases(session: Session) -> None:
    """The Scenario A household and a few more fictional cases, each created once."""
    from portal.cases import groundwork, service
    from portal.cases.intake import SignalInput, import_signals
    from portal.cases.models import Case

    today = utcnow().date()
    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    for household in _demo_households(today):
        organisation = orgs.get(household["org"])
        if organisation is None or _has_open_case(session, organisation, household["tenant"].bsn):
            continue
        actor = _demo_actor(organisation)
        amount, months = household.get("arrears", (None, None))
        signal = SignalInput(
            kinds=household["kinds"],
            signal_date=household["signal_date"],
            tenant=household["tenant"],
            tenant_number=household.get("tenant_number"),
            arrears_cents=amount,
            arrears_months=months,
        )
        outcome = import_signals(
            session,
            actor,
            organisation,
            [signal],
            source=household.get("source", "form"),
        ).outcomes[0]
        case = session.get_one(Case, outcome.case_id)
        # The demo plays out the past: the case came in with its signal.
        case.created_at = datetime.combine(household["signal_date"], time(9), tzinfo=UTC)
        for member in household.get("members", []):
            service.add_person(session, actor, case, member)
        for day, channel, result, note in household.get("attempts", []):
            groundwork.add_contact_attempt(
                session,
                actor,
                case,
                groundwork.ContactAttemptData(day, channel, result, note),
            )
        if household.get("life_map"):
            entries = groundwork.save_life_map(
                session,
                actor,
                case,
                {
                    domain: groundwork.LifeDomainData(status, note)
                    for domain, (status, note) in household["life_map"].items()
                },
            )
            talked = datetime.combine(household["attempts"][-1][0], time(11), tzinfo=UTC)
            for entry in entries:  # drawn up during the house visit
                entry.created_at = entry.updated_at = talked
        if household.get("status"):
            service.update_case(session, actor, case, status=household["status"])
    session.flush()
