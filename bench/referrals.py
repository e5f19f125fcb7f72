"""Referrals at scale: the receiving partner's inbox and the SLA check at a million referrals.

``python -m bench.referrals`` prints the latency of whole HTTP requests (signed in) for each
inbox view of a debt coach that received a million referrals over three years, a page deep in
the history, one referral's page, the coach's case inbox (the cases the active referrals
share with it), the steering figures, and the time of ``sla check``, plus the query plans.

The steering figures are measured as the page counts them before the monthly rollup's first
run, then the rollup job, then the pages with the rollup and ``CHANGED_SINCE_ROLLUP``
referrals changed since (as after a busy day: the page corrects its sums for them).

The referrals are bulk-inserted (they point at 20,000 bulk-inserted cases of
``bench.cases``), each active one with the grant its service stores (``case_grant``);
``--keep`` reuses the database on the next run. ``--database-url`` runs it on another
database (an empty one, e.g. PostgreSQL).
"""

from __future__ import annotations

import argparse
import platform
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import delete, func, insert, select, text

from bench.cases import _config, populate, signed_in
from handover.models import ACTIVE, Referral, ReferralEvent
from handover.service import check_sla
from handover.steering.models import SteeringRollup
from handover.steering.rollup import steering_rollup
from handover.views import _inbox_query
from portal import create_app
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.cases.models import CaseGrant
from portal.covenant.models import CovenantVersion
from portal.covenant.service import activate_version, load_version
from portal.db import utcnow
from portal.demo import DEMO_COVENANT, ORGANISATIONS
from portal.extensions import db
from portal.migrate import alembic_config

CASES = 20_000
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
#: Share of closed referrals per status (the rest are completed).
CLOSED_ODDS = (
    ("declined", 0.05),
    ("returned", 0.05),
    ("expired", 0.01),
    ("withdrawn", 0.01),
    ("escalated", 0.02),
)
#: Referrals with an event since the steering rollup ran, as after a busy day.
CHANGED_SINCE_ROLLUP = 5_000


def _orgs_and_covenant(session) -> tuple[dict[str, int], int]:
    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    for slug, name in ORGANISATIONS:
        if slug not in orgs:
            orgs[slug] = Organisation(slug=slug, name=name)
            session.add(orgs[slug])
    session.flush()
    version = session.scalar(select(CovenantVersion).order_by(CovenantVersion.id.desc()))
    if version is None or version.status != "active":
        system = Actor.system("bench")
        version = load_version(session, system, DEMO_COVENANT.read_bytes()).version
        admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="bench")
        activate_version(session, admin, version, "Activated for the referral benchmark.")
    session.commit()
    return {slug: org.id for slug, org in orgs.items()}, version.id


def _status(rnd: random.Random, age_days: float) -> str:
    """A status that fits the referral's age, as if ``sla check`` had run all along: nothing
    waits past its deadline, so a check at ``NOW`` finds nothing due and measures the scan."""
    draw = rnd.random()
    if age_days < 3 and draw < 0.3:
        return "sent"
    if age_days < 10 and draw < 0.6:
        return "accepted"
    if draw < (0.9 if age_days < 60 else 0.65):
        return "in_progress" if age_days < 60 or draw < 0.05 else _closed(rnd)
    return _closed(rnd)


def _closed(rnd: random.Random) -> str:
    draw = rnd.random()
    for status, odds in CLOSED_ODDS:
        if draw < odds:
            return status
        draw -= odds
    return "completed"


def populate_referrals(app, referrals: int, batch: int = 50_000) -> None:
    """Bulk-insert ``referrals`` from the corporation to the debt coach over three years."""
    with app.app_context():
        session = db.session
        orgs, version_id = _orgs_and_covenant(session)
        if session.scalar(select(func.count(Referral.id))) >= referrals:
            return
        rnd = random.Random(11)
        span = timedelta(days=3 * 365).total_seconds()
        for first in range(1, referrals + 1, batch):
            rows, grants = [], []
            for number in range(first, min(first + batch, referrals + 1)):
                # Older referrals first, so ids grow with time as they do in real use.
                sent = NOW - timedelta(seconds=span * (1 - number / referrals))
                status = _status(rnd, (NOW - sent).total_seconds() / 86400)
                closed = status not in ACTIVE
                rows.append(
                    {
                        "id": number,
                        "case_id": 1 + number % CASES,
                        "covenant_version_id": version_id,
                        "purpose": "debt_help",
                        "sender_org_id": orgs["corporatie"],
                        "recipient_org_id": orgs["schuldhulp"],
                        "recipient_role": "debt_coach",
                        "rung": 0,
                        "status": status,
                        "categories": ["contact", "finances", "identity"],
                        "created_at": sent,
                        "sent_at": sent,
                        "response_due_at": sent + timedelta(days=3),
                        "accepted_at": None if status == "sent" else sent + timedelta(days=1),
                        "first_contact_due_at": sent + timedelta(days=11),
                        "first_contact_at": None if status in ("sent", "accepted") else sent,
                        "closed_at": sent + timedelta(days=rnd.randint(2, 50)) if closed else None,
                        "version": 3,
                        "row_uid": uuid.uuid4(),
                    }
                )
                if not closed:  # what the service stores for an active referral
                    grants.append(referral_grant(rows[-1]))
            session.execute(insert(Referral), rows)
            if grants:
                session.execute(insert(CaseGrant), grants)
            session.commit()
        session.execute(text("ANALYZE"))
        session.commit()


def referral_grant(row: dict) -> dict:
    """The ``case_grant`` row of a bulk-inserted active referral, as its service writes it."""
    return {
        "case_id": row["case_id"],
        "organisation_id": row["recipient_org_id"],
        "recipient_role": row["recipient_role"],
        "purpose": row["purpose"],
        "categories": ",".join(sorted(row["categories"])),
        "source": f"referral:{row['id']}",
        "created_at": row["sent_at"],
    }


def _timed(call, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def bench_pages(app, referrals: int, repeat: int = 15) -> list[tuple[str, float, float]]:
    coach, _ = signed_in(app, "bench@schuldhulp.example", "schuldhulp")
    corporation, _ = signed_in(app, "bench@corporatie.example", "corporatie")
    steering, _ = signed_in(app, "steering@corporatie.example", "corporatie", "covenant_admin")
    middle = referrals // 2
    requests = [
        ("awaiting acceptance", coach, "/overdrachten?weergave=wachtend"),
        ("in progress", coach, "/overdrachten?weergave=lopend"),
        ("in progress, htmx refresh", coach, "/overdrachten?weergave=lopend"),
        ("recently closed", coach, "/overdrachten?weergave=afgerond"),
        ("sent by us (corporation)", corporation, "/overdrachten?weergave=verstuurd"),
        ("sent by us, deep page", corporation, f"/overdrachten?weergave=verstuurd&na={middle}"),
        ("one referral (sender)", corporation, f"/overdrachten/{referrals}"),
        ("cases shared with us (case inbox)", coach, "/casussen"),
        ("steering figures, region, 12 months", steering, "/sturing"),
        ("steering figures, region, 36 months", steering, "/sturing?maanden=36"),
        ("steering figures as CSV, 36 months", steering, "/sturing.csv?maanden=36"),
    ]
    results = []
    for label, client, url in requests:
        headers = {"HX-Request": "true"} if "htmx" in label else {}

        def call(client=client, url=url, headers=headers, label=label):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (label, response.status_code)

        results.append((label, *_timed(call, repeat)))
    return results


def bench_steering_rollup(app, referrals: int) -> list[tuple[str, float, float]]:
    """The 36-month steering page before the rollup's first run (counted directly), the
    rollup job once, then ``CHANGED_SINCE_ROLLUP`` referrals given an event since it: events
    that change nothing, for which the page does the same work as for real changes."""
    steering, _ = signed_in(app, "steering@corporatie.example", "corporatie", "covenant_admin")

    def page():
        response = steering.get("/sturing?maanden=36")
        assert response.status_code == 200, response.status_code

    with app.app_context():
        db.session.execute(delete(SteeringRollup))
        db.session.commit()
    results = [("steering, 36 months, no rollup yet", *_timed(page, 3))]
    with app.app_context():
        started = time.perf_counter()
        steering_rollup()
        took = (time.perf_counter() - started) * 1000
        results.append(("steering.rollup job", took, took))
        now = utcnow()
        changed = random.Random(5).sample(
            range(1, referrals + 1), min(CHANGED_SINCE_ROLLUP, referrals)
        )
        rows = [
            {
                "referral_id": number,
                "case_id": 1 + number % CASES,
                "at": now,
                "kind": "bench",
                "to_status": "in_progress",
                "row_uid": uuid.uuid4(),
            }
            for number in changed
        ]
        db.session.execute(insert(ReferralEvent), rows)
        db.session.commit()
    return results


def bench_sla(app, repeat: int = 5) -> tuple[float, float]:
    def call():
        with app.app_context():
            result = check_sla(db.session, now=NOW)
            assert not (result.expired or result.first_contact_overdue)  # the scan only
            db.session.rollback()

    return _timed(call, repeat)


def explain(app) -> list[tuple[str, str]]:
    """The plan of each inbox view's query (its first line on PostgreSQL)."""
    plans = []
    with app.app_context():
        session = db.session
        sqlite = session.get_bind().dialect.name == "sqlite"
        coach = session.scalar(select(Organisation.id).where(Organisation.slug == "schuldhulp"))
        for view in ("wachtend", "lopend", "afgerond", "verstuurd"):
            query = _inbox_query(view, coach).order_by(Referral.id.desc()).limit(26)
            sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            if sqlite:
                rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                plans.append((view, "; ".join(row[-1] for row in rows)))
            else:
                rows = session.execute(text(f"EXPLAIN {sql}")).scalars().all()
                plans.append((view, " / ".join(r.strip() for r in rows[:3])))
    return plans


def run(referrals: int = 1_000_000, keep: bool = False, database_url: str | None = None) -> None:
    """On SQLite in a temporary folder, or on the (empty, or kept) database at
    ``database_url``."""
    print(f"Referrals benchmark ({platform.python_version()}, {platform.machine()})")
    base = Path(tempfile.gettempdir()) / "kp-bench-referrals"
    if not keep and base.exists():
        shutil.rmtree(base)
    base.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{base / 'referrals.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app(_config(url, base / "instance"))
    try:
        print(f"\nPopulating {CASES:,} cases and {referrals:,} referrals (bulk) ...")
        started = time.perf_counter()
        populate(app, CASES)
        populate_referrals(app, referrals)
        print(f"  ready in {time.perf_counter() - started:.0f} s")
        print("\nQuery plans:")
        for view, plan in explain(app):
            print(f"  {view:<10} {plan}")
        name = url.split(":")[0]
        print(f"\nSteering rollup at {referrals:,} referrals, {name} (ms):")
        print(f"  {'request':<32} {'median':>8} {'p95':>8}")
        for label, median, p95 in bench_steering_rollup(app, referrals):
            print(f"  {label:<32} {median:8.1f} {p95:8.1f}")
        print(f"\nReferral pages at {referrals:,} referrals, {name}, whole requests (ms):")
        print(f"  {'request':<32} {'median':>8} {'p95':>8}")
        for label, median, p95 in bench_pages(app, referrals):
            print(f"  {label:<32} {median:8.1f} {p95:8.1f}")
        median, p95 = bench_sla(app)
        print(f"  {'sla check (nothing due)':<32} {median:8.1f} {p95:8.1f}")
    finally:
        app.extensions["kp_db"].engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.referrals", description=__doc__)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the populated database")
    parser.add_argument("--database-url", help="an empty PostgreSQL database, for example")
    args = parser.parse_args()
    run(args.referrals, args.keep, args.database_url)


if __name__ == "__main__":
    main()
