"""Cases at scale: importing 10,000 signals, and the inbox at a million cases.

``python -m bench.cases`` (or ``make bench``) prints:

* the time to check and import a file of 10,000 signals (issue 16: at least 5,000 new rows/s
  on SQLite, 3,000 on PostgreSQL), through the same parser and service as the upload page
  and the CLI, on SQLite and, with ``--database-url`` naming a PostgreSQL server, on a fresh
  ``kp_bench_cases`` database there (created for the run and dropped after it);
* the latency of inbox pages at 1,000,000 cases: the full HTTP request through the app
  (signed in, one audit event per name shown), first page, a deep page, each filter, and a
  search by BSN (POST); and the inbox of a debt coach that owns no case and is shared one
  case in ten by an active referral (its grant in ``case_grant``).

The million cases are bulk-inserted with pre-encrypted values (each case its own data key,
its tenant's name sealed and blind-indexed like the service does), once per database file;
``--keep`` reuses it on the next run. ``--inbox-database-url`` populates and times the inbox
on another database (an empty one, e.g. PostgreSQL) instead of a SQLite file.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from stdnum.nl import bsn as stdnum_bsn

from portal import create_app
from portal.accounts.mfa import new_secret
from portal.accounts.models import Organisation, User, UserRole
from portal.accounts.service import set_totp_secret
from portal.accounts.sessions import signed_in_values
from portal.actor import Actor
from portal.cases import signal_csv
from portal.cases.inbox import InboxFilters, _seeks, inbox_page
from portal.cases.intake import import_signals, signal_from_row
from portal.cases.models import (
    BlindIndex,
    Case,
    CaseGrant,
    CaseReferenceCounter,
    CaseSignal,
    Person,
)
from portal.crypto import aead
from portal.crypto.blind_index import digest, normalise
from portal.crypto.context import crypto_for
from portal.crypto.fields import Sealed
from portal.crypto.models import DataKey
from portal.db import utcnow
from portal.extensions import db
from portal.migrate import alembic_config

HEADER = (
    "tenant_number;bsn;surname;initials;birth_date;street;house_number;postcode;city;"
    "phone;email;arrears_amount;arrears_months;signal_date"
)
#: The database ``--database-url`` gets for the import, on the server that URL names.
PG_DATABASE = "kp_bench_cases"
SURNAMES = ("Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer")
STREETS = ("Dorpsstraat", "Kerkweg", "Lindelaan", "Molenstraat", "Stationsplein", "Beukenhof")


def fake_bsns(start: int = 100_000_000) -> Iterator[str]:
    """Fictional BSNs that pass the elfproef, in order."""
    n = start
    while True:
        n += 1
        candidate = f"{n:09d}"
        if stdnum_bsn.is_valid(candidate):
            yield candidate


def signal_file(rows: int, seed: int = 1, signal_date: str = "2026-11-01") -> bytes:
    """An arrears file of ``rows`` valid signals with fictional people."""
    rnd = random.Random(seed)
    bsns = fake_bsns()
    lines = [HEADER]
    for i in range(rows):
        mobile = f"06{rnd.randint(1, 5)}{rnd.randint(0, 9_999_999):07d}"
        phone = mobile if rnd.random() < 0.7 else ""
        email = f"huurder{i}@example.org" if rnd.random() < 0.5 else ""
        lines.append(
            ";".join(
                [
                    f"H-{i:06d}",
                    next(bsns),
                    rnd.choice(SURNAMES),
                    "A.B.",
                    f"19{rnd.randint(40, 99)}-0{rnd.randint(1, 9)}-{rnd.randint(10, 28)}",
                    rnd.choice(STREETS),
                    str(rnd.randint(1, 300)),
                    f"{rnd.randint(1000, 9999)} {rnd.choice(['AB', 'CD', 'EF', 'GH'])}",
                    "Demostad",
                    phone,
                    email,
                    f"{rnd.randint(100, 500_000) / 100:.2f}".replace(".", ","),
                    str(rnd.randint(1, 6)),
                    signal_date,
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode()


# --- the import ---------------------------------------------------------------------------------


def bench_import(url: str, rows: int = 10_000) -> dict[str, float]:
    """Seconds to check and import a file of ``rows`` new signals, then the same file again
    (every row updates its open case), each committed once, on an empty migrated database."""

    command.upgrade(alembic_config(url), "head")
    data = signal_file(rows)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kp-bench-") as tmp:
        app = create_app(_config(url, Path(tmp)))
        try:
            with app.app_context():
                session = db.session
                organisation = Organisation(slug="corporatie-bench", name="Bench")
                session.add(organisation)
                session.commit()
                for label in ("new cases", "repeated signals"):
                    started = time.perf_counter()
                    parsed = signal_csv.parse(data)
                    assert parsed.ok, parsed.errors[:3]
                    result = import_signals(
                        session,
                        Actor.system("bench"),
                        organisation,
                        [signal_from_row(r) for r in parsed.rows],
                        source="import",
                    )
                    session.commit()
                    figures[label] = time.perf_counter() - started
                    assert len(result.outcomes) == rows
        finally:
            app.extensions["kp_db"].engine.dispose()
    return figures


@contextmanager
def import_database(database_url: str) -> Iterator[str]:
    """A fresh, empty ``kp_bench_cases`` database on the PostgreSQL server of
    ``database_url`` (whatever database that URL names is left alone), dropped afterwards."""
    server = make_url(database_url)
    if server.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must name a PostgreSQL server")
    admin = create_engine(
        server.set(database=server.database or "postgres"), isolation_level="AUTOCOMMIT"
    )
    drop = text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    try:
        with admin.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
        yield server.set(database=PG_DATABASE).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


def print_import(figures: dict[str, float], rows: int) -> None:
    for label, seconds in figures.items():
        print(f"  {label:<20} {seconds:6.2f} s  ({rows / seconds:,.0f} rows/s)")


def _config(url: str, instance: Path) -> dict:
    return {
        "KP_ENV": "testing",
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "MAIL_BACKEND": "memory",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOG_LEVEL": "WARNING",
    }


# --- a million cases ---------------------------------------------------------------------------

KIND_ODDS = (
    ("arrears", 0.85),
    ("nuisance", 0.15),
    ("housing_fraud", 0.03),
    ("pollution", 0.03),
    ("other", 0.05),
)
OWNER_SHARE = 0.9  # of the cases belong to the benchmark's corporation


def populate(app, cases: int, batch: int = 20_000) -> None:
    """Bulk-insert ``cases`` cases with a main tenant each, sealed and blind-indexed."""

    with app.app_context():
        session = db.session
        if session.scalar(select(func.count(Case.id))) >= cases:
            return
        orgs = {}
        for slug in ("corporatie", "woonbron"):
            org = session.scalar(select(Organisation).where(Organisation.slug == slug))
            if org is None:
                org = Organisation(slug=slug, name=slug.title())
                session.add(org)
                session.flush()
            orgs[slug] = org.id
        session.commit()
        state = crypto_for(session)
        rnd = random.Random(7)
        bsns = fake_bsns(200_000_000)
        today = date(2026, 11, 22)
        now = datetime(2026, 11, 22, 12, tzinfo=UTC)
        started = time.perf_counter()

        def seal(cipher, key_id, table, column, kind, uid, value):
            context = aead.row_context(table, column, uid)
            return Sealed(aead.seal(cipher, key_id, aead.encode_value(kind, value), context))

        for first in range(1, cases + 1, batch):
            keys, case_rows, links, persons, indexes = [], [], [], [], []
            for case_id in range(first, min(first + batch, cases + 1)):
                raw = os.urandom(32)
                version, wrapped = state.wrapper.wrap(raw)
                keys.append(
                    {
                        "id": case_id,
                        "kek_version": version,
                        "wrapped_key": wrapped,
                        "created_at": now,
                    }
                )
                cipher = AESGCM(raw)
                case_uid, person_uid = uuid.uuid4(), uuid.uuid4()
                kinds = [k for k, odds in KIND_ODDS if rnd.random() < odds] or ["other"]
                roll = rnd.random()
                status = "open" if roll < 0.45 else "in_progress" if roll < 0.85 else "closed"
                signal_date = today - timedelta(days=rnd.randint(0, 730))
                waiting = status == "open" and rnd.random() < 0.6
                year = 2025 if case_id <= cases // 2 else 2026
                number = case_id if year == 2025 else case_id - cases // 2
                case_rows.append(
                    {
                        "id": case_id,
                        "reference": f"KP-{year}-{number:06d}",
                        "organisation_id": orgs["corporatie"]
                        if rnd.random() < OWNER_SHARE
                        else orgs["woonbron"],
                        "status": status,
                        "signal_kinds": kinds,
                        "data_key_id": case_id,
                        "arrears_cents": seal(
                            cipher,
                            case_id,
                            "case_file",
                            "arrears_cents",
                            "money",
                            case_uid,
                            rnd.randint(0, 500_000),
                        ),
                        "signal_date": signal_date,
                        "contact_due_on": signal_date + timedelta(days=14) if waiting else None,
                        "created_at": now,
                        "closed_at": now if status == "closed" else None,
                        "row_uid": case_uid,
                    }
                )
                links += [{"case_id": case_id, "kind": k} for k in kinds]
                bsn = next(bsns)
                postcode = f"{rnd.randint(1000, 9999)}{rnd.choice(['AB', 'CD', 'EF'])}"
                number_text = str(rnd.randint(1, 300))
                persons.append(
                    {
                        "id": case_id,
                        "case_id": case_id,
                        "row_uid": person_uid,
                        "surname": seal(
                            cipher,
                            case_id,
                            "person",
                            "surname",
                            "str",
                            person_uid,
                            rnd.choice(SURNAMES),
                        ),
                        "initials": seal(
                            cipher, case_id, "person", "initials", "str", person_uid, "A.B."
                        ),
                        "bsn": seal(cipher, case_id, "person", "bsn", "str", person_uid, bsn),
                        "postcode": seal(
                            cipher, case_id, "person", "postcode", "str", person_uid, postcode
                        ),
                        "house_number": seal(
                            cipher,
                            case_id,
                            "person",
                            "house_number",
                            "str",
                            person_uid,
                            number_text,
                        ),
                        "is_main_tenant": True,
                        "created_at": now,
                    }
                )
                indexes.append(
                    {"person_id": case_id, "field": "bsn", "digest": digest(state, "bsn", bsn)}
                )
                indexes.append(
                    {
                        "person_id": case_id,
                        "field": "address",
                        "digest": digest(
                            state, "address", normalise("address", postcode, number_text)
                        ),
                    }
                )
            for model, rows in (
                (DataKey, keys),
                (Case, case_rows),
                (CaseSignal, links),
                (Person, persons),
                (BlindIndex, indexes),
            ):
                session.execute(insert(model.__table__), rows)
            session.commit()
            done = min(first + batch - 1, cases)
            print(f"  {done:>9,} cases ({time.perf_counter() - started:6.1f} s)", flush=True)
        for year, last in ((2025, cases // 2), (2026, cases - cases // 2)):
            session.merge(CaseReferenceCounter(year=year, last_number=last))
        _after_bulk(session, ("data_key", "case_file", "person", "blind_index"))


def _after_bulk(session, tables: tuple[str, ...]) -> None:
    """After inserting ids by hand: PostgreSQL's sequences continue after them, and the
    planner learns the tables' new sizes (ANALYZE). On PostgreSQL the tables are also
    vacuumed, as autovacuum does after a bulk insert (PostgreSQL 13 and later start it on
    inserts alone): the visibility map it sets is what lets the planner choose index-only
    scans, so the figures are those of the table in its everyday state."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        for table in tables:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    session.execute(text("ANALYZE"))
    session.commit()
    if postgresql:
        engine = session.get_bind().engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))


#: One case in this many is referred to the debt coach (an active referral, so a grant).
SHARED_EVERY = 10


def populate_shared(app, batch: int = 20_000) -> None:
    """Refer one case in ten to the debt coach: an active referral from the case's owner and
    the grant its service stores, bulk-inserted, so the coach's inbox lists cases shared
    with it (a tenth of the table) and nothing of its own."""
    from bench.referrals import NOW, _orgs_and_covenant, referral_grant
    from handover.models import Referral

    with app.app_context():
        session = db.session
        orgs, version_id = _orgs_and_covenant(session)
        if session.scalar(select(func.count(CaseGrant.id))):
            return
        shared = session.execute(
            select(Case.id, Case.organisation_id)
            .where(Case.id % SHARED_EVERY == 0)
            .order_by(Case.id)
        ).all()
        for start in range(0, len(shared), batch):
            rows = [
                {
                    "id": case_id // SHARED_EVERY,
                    "case_id": case_id,
                    "covenant_version_id": version_id,
                    "purpose": "debt_help",
                    "sender_org_id": owner,
                    "recipient_org_id": orgs["schuldhulp"],
                    "recipient_role": "debt_coach",
                    "status": "in_progress",
                    "categories": ["contact", "finances", "identity"],
                    "created_at": NOW,
                    "sent_at": NOW,
                    "accepted_at": NOW,
                    "first_contact_at": NOW,
                    "version": 3,
                    "row_uid": uuid.uuid4(),
                }
                for case_id, owner in shared[start : start + batch]
            ]
            session.execute(insert(Referral), rows)
            session.execute(insert(CaseGrant), [referral_grant(row) for row in rows])
            session.commit()
        _after_bulk(session, ("referral", "case_grant"))


def sample_bsn(cases: int) -> str:
    """The BSN ``populate`` gave to the case in the middle."""
    bsns = fake_bsns(200_000_000)
    for _ in range(cases // 2 - 1):
        next(bsns)
    return next(bsns)


def signed_in(app, email: str, slug: str, role: str = "caseworker"):
    """A test client signed in (MFA done) as a caseworker (or ``role``) of ``slug``, made on
    first use; with the user as an actor, for calling services directly."""
    with app.app_context():
        session = db.session
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            org = session.scalar(select(Organisation).where(Organisation.slug == slug))
            user = User(organisation=org, email=email, display_name="Bench", password_hash=None)
            user.role_rows = [UserRole(role=role)]
            session.add(user)
            session.flush()
            set_totp_secret(user, new_secret(), utcnow())
            session.commit()
        actor = Actor(
            kind="staff",
            user_id=user.id,
            organisation_id=user.organisation_id,
            roles=frozenset({role}),
        )
        client = app.test_client()
        with app.test_request_context(environ_base=client.environ_base):
            values = signed_in_values(user, now=utcnow(), method="bench")
    with client.session_transaction() as sess:
        sess.update(values)
    return client, actor


def bench_inbox(app, cases: int, repeat: int = 15) -> list[tuple[str, float, float]]:
    """Median and 95th-percentile milliseconds of whole inbox requests (signed in): the
    corporation's, which owns most cases, and the debt coach's, which owns none and is shared
    one case in ten (``populate_shared``)."""

    client, actor = signed_in(app, "bench@corporatie.example", "corporatie")
    coach_client, coach = signed_in(app, "bench@schuldhulp.example", "schuldhulp")
    steering, _ = signed_in(app, "steering@corporatie.example", "corporatie", "covenant_admin")

    page = client.get("/casussen").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    middle = cases // 2
    shared = middle - middle % SHARED_EVERY
    requests = [
        ("inbox, first page", client, "GET", "/casussen", None),
        ("inbox, a page in the middle", client, "GET", f"/casussen?na={middle}", None),
        ("inbox, previous page", client, "GET", f"/casussen?voor={middle}", None),
        ("filter: closed", client, "GET", "/casussen?status=closed", None),
        ("filter: housing fraud", client, "GET", "/casussen?signaal=housing_fraud", None),
        ("filter: overdue first contact", client, "GET", "/casussen?achterstallig=1", None),
        (
            "filter: pollution, closed",
            client,
            "GET",
            "/casussen?status=closed&signaal=pollution",
            None,
        ),
        (
            "search by BSN (POST)",
            client,
            "POST",
            "/casussen/zoeken",
            {"csrf_token": token, "term": sample_bsn(cases)},
        ),
        (
            "search by reference (POST)",
            client,
            "POST",
            "/casussen/zoeken",
            {"csrf_token": token, "term": f"KP-2025-{middle:06d}"},
        ),
        ("case page", client, "GET", f"/casussen/{middle}", None),
        ("coach: shared, first page", coach_client, "GET", "/casussen", None),
        ("coach: shared, middle page", coach_client, "GET", f"/casussen?na={middle}", None),
        ("coach: shared, closed", coach_client, "GET", "/casussen?status=closed", None),
        ("coach: a shared case's page", coach_client, "GET", f"/casussen/{shared}", None),
        ("steering figures, region, 12 months", steering, "GET", "/sturing", None),
        ("steering figures, region, 36 months", steering, "GET", "/sturing?maanden=36", None),
    ]
    results = []
    for label, who, filters in (
        ("query alone: first page", actor, InboxFilters()),
        ("query alone: overdue", actor, InboxFilters(overdue=True)),
        ("query alone: coach, shared", coach, InboxFilters()),
    ):
        times = []
        for _ in range(repeat):
            with app.app_context():
                started = time.perf_counter()
                page = inbox_page(db.session, who, filters, today=date(2026, 11, 22))
                times.append((time.perf_counter() - started) * 1000)
                assert len(page.cases) == 25
        times.sort()
        results.append((label, statistics.median(times), times[int(len(times) * 0.95) - 1]))
    for label, who_client, method, url, data in requests:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = who_client.get(url) if method == "GET" else who_client.post(url, data=data)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
            if "search" in label:
                assert "1 casus gevonden" in response.get_data(as_text=True), label
        times.sort()
        results.append((label, statistics.median(times), times[int(len(times) * 0.95) - 1]))
    return results


def explain(app, cases: int) -> list[tuple[str, str]]:
    """The plans of the inbox's seeks: the corporation's open cases (``ix_case_file_inbox``)
    and the cases shared with the coach (``ix_case_grant_organisation``, each case by id)."""

    with app.app_context():
        session = db.session
        sqlite = session.get_bind().dialect.name == "sqlite"
        plans = []
        for slug in ("corporatie", "schuldhulp"):
            org = session.scalar(select(Organisation.id).where(Organisation.slug == slug))
            actor = Actor(kind="staff", organisation_id=org, roles=frozenset({"caseworker"}))
            # The corporation's first seek walks its own cases, the coach's only the shared.
            query, column = _seeks(actor, ("open",))[0 if slug == "corporatie" else -1]
            query = query.where(column < cases // 2).order_by(column.desc()).limit(26)
            sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            if sqlite:
                rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                plans.append((slug, "; ".join(row[-1] for row in rows)))
            else:
                rows = session.execute(text(f"EXPLAIN {sql}")).scalars().all()
                plans.append((slug, " / ".join(r.strip() for r in rows[:6])))
        return plans


def run(
    cases: int = 1_000_000,
    database_url: str | None = None,
    keep: bool = False,
    import_rows: int = 10_000,
    inbox_url: str | None = None,
) -> None:

    print(f"Cases benchmark ({platform.python_version()}, {platform.machine()})")
    print("Load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="kp-bench-import-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'import.sqlite'}"
        figures = bench_import(url, import_rows)
        print(f"\nImport of {import_rows:,} signals (parse + check + write + commit), SQLite:")
        print_import(figures, import_rows)
    if database_url:
        with import_database(database_url) as url:
            figures = bench_import(url, import_rows)
        print(f"\nImport of {import_rows:,} signals, PostgreSQL ({PG_DATABASE}):")
        print_import(figures, import_rows)
        print("Load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        return

    base = Path(tempfile.gettempdir()) / "kp-bench-cases"
    if not keep and base.exists():
        shutil.rmtree(base)
    base.mkdir(exist_ok=True)
    url = inbox_url or f"sqlite:///{base / 'cases.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app(_config(url, base / "instance"))
    try:
        print(f"\nPopulating {cases:,} cases (bulk, pre-encrypted) ...")
        started = time.perf_counter()
        populate(app, cases)
        populate_shared(app)
        print(f"  ready in {time.perf_counter() - started:.0f} s")
        print("\nPlans of the inbox's seeks (own open cases; cases shared with the coach):")
        for slug, plan in explain(app, cases):
            print(f"  {slug:<10} {plan}")
        print(f"\nInbox at {cases:,} cases, {url.split(':')[0]}, whole requests (ms):")
        print(f"  {'request':<32} {'median':>8} {'p95':>8}")
        for label, median, p95 in bench_inbox(app, cases):
            print(f"  {label:<32} {median:8.1f} {p95:8.1f}")
    finally:
        app.extensions["kp_db"].engine.dispose()


def main() -> None:

    parser = argparse.ArgumentParser(prog="python -m bench.cases", description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        help=f"also time the import on PostgreSQL: a fresh {PG_DATABASE} database on this server",
    )
    parser.add_argument("--keep", action="store_true", help="reuse the populated database")
    parser.add_argument(
        "--inbox-database-url",
        help="populate and time the inbox on this (empty, or kept) database instead of SQLite",
    )
    args = parser.parse_args()
    run(args.cases, args.database_url, args.keep, args.import_rows, args.inbox_database_url)


if __name__ == "__main__":
    main()
