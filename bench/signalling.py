"""Early signalling at scale: reporting 5,000 cases, and the ready list at 10k and 1M cases.

``python -m bench.signalling`` prints

* the time to report 5,000 ready cases at once (``report_cases``: the steps derived again,
  one report row, one referral with its grant, history, signal case and audit events per
  case, sent in batches of 200 by ``send_many`` with one notice per batch; one commit), on a
  fresh SQLite file (target: under 30 s);
* the time of the ready list's first page (``ready_page``: the page's cases with the main
  tenant's name and the arrears revealed by the policy point) at 10,000 cases and, with
  ``--million``, at 1,000,000 cases (bulk-inserted by ``bench.cases.populate``, with a
  readiness row per case), and the query plan.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from bench.cases import _config, populate
from handover.signalling import service
from portal import create_app
from portal.accounts.models import Organisation, User, UserRole
from portal.actor import Actor, staff_actor
from portal.cases.intake import SignalInput, import_signals
from portal.cases.models import Case, ContactAttempt, Letter
from portal.cases.service import PersonData
from portal.covenant.service import activate_version, load_version
from portal.demo import DEMO_COVENANT, ORGANISATIONS
from portal.extensions import db
from portal.migrate import alembic_config

SYSTEM = Actor.system("bench")


def _region(session) -> Actor:
    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    for slug, name in ORGANISATIONS:
        if slug not in orgs:
            orgs[slug] = Organisation(slug=slug, name=name)
            session.add(orgs[slug])
    session.flush()
    user = User(organisation=orgs["corporatie"], email="bench@corporatie.example", display_name="b")
    user.role_rows = [UserRole(role="caseworker")]
    session.add(user)
    session.flush()
    version = load_version(session, SYSTEM, DEMO_COVENANT.read_bytes()).version
    activate_version(
        session,
        Actor(kind="staff", roles=frozenset({"covenant_admin"})),
        version,
        "Activated for the benchmark.",
    )
    return staff_actor(user)


def bench_report(url: str, cases: int = 5000) -> dict[str, float]:
    command.upgrade(alembic_config(url), "head")
    app = create_app(_config(url, Path(tempfile.mkdtemp(prefix="kp-bench-sig-"))))
    try:
        with app.app_context():
            session = db.session
            actor = _region(session)
            org_id = actor.organisation_id
            today = datetime.now(UTC).date()
            since = today - timedelta(days=60)
            signals = [
                SignalInput(
                    kinds=("arrears",),
                    signal_date=since,
                    tenant=PersonData(surname=f"Huurder{n}", is_main_tenant=True),
                    arrears_cents=20_000,
                    arrears_months=2,
                    arrears_since=since,
                )
                for n in range(cases)
            ]
            started = time.perf_counter()
            org = session.get(Organisation, org_id)
            ids = [o.case_id for o in import_signals(session, actor, org, signals).outcomes]
            imported = time.perf_counter() - started
            for case in session.scalars(select(Case).where(Case.id.in_(ids))):
                common = {"case": case, "case_id": case.id, "organisation_id": org_id}
                session.add(
                    ContactAttempt(**common, attempted_on=today, channel="phone", outcome="reached")
                )
                session.add(
                    Letter(
                        **common,
                        sent_on=today,
                        kind="reminder",
                        points_to_help=True,
                        data_offer=True,
                    )
                )
            session.flush()
            started = time.perf_counter()
            service.refresh(session, ids)
            refreshed = time.perf_counter() - started
            session.commit()
            started = time.perf_counter()
            result = service.report_cases(session, actor, ids)
            session.commit()
            reported = time.perf_counter() - started
            assert len(result.sent) == cases, result.skipped
            return {"import": imported, "refresh": refreshed, "report": reported}
    finally:
        app.extensions["kp_db"].engine.dispose()


def bench_list(base: Path, cases: int, repeat: int = 15) -> tuple[float, str]:
    url = f"sqlite:///{base / f'list-{cases}.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app(_config(url, base / "instance"))
    try:
        populate(app, cases)
        with app.app_context():
            session = db.session
            org_id = session.scalar(
                select(Organisation.id).where(Organisation.slug == "corporatie")
            )
            user = User(
                organisation_id=org_id, email=f"list{cases}@corporatie.example", display_name="b"
            )
            user.role_rows = [UserRole(role="caseworker")]
            session.add(user)
            session.flush()
            actor = staff_actor(user)
            # One readiness row per case: a state by the case id, a mask for the missing.
            session.execute(text("DELETE FROM signal_readiness"))
            session.execute(
                text(
                    "INSERT INTO signal_readiness "
                    "(case_id, organisation_id, state, missing, updated_at) "
                    "SELECT id, organisation_id, CASE id % 4 WHEN 0 THEN 'ready' "
                    "WHEN 1 THEN 'missing' WHEN 2 THEN 'objected' ELSE 'reported' END, "
                    "CASE id % 4 WHEN 1 THEN 5 ELSE 0 END, :now FROM case_file"
                ),
                {"now": datetime.now(UTC)},
            )
            session.execute(text("ANALYZE"))
            session.commit()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                page = service.ready_page(session, actor, "ready")
                times.append((time.perf_counter() - started) * 1000)
                session.rollback()
            assert page.rows
            plan = " | ".join(
                str(row[-1])
                for row in session.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT case_id FROM signal_readiness WHERE "
                        "organisation_id = :o AND state = 'ready' ORDER BY case_id DESC LIMIT 51"
                    ),
                    {"o": org_id},
                )
            )
            return statistics.median(times), plan
    finally:
        app.extensions["kp_db"].engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.signalling", description=__doc__)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--million", action="store_true", help="also the list at 1,000,000 cases")
    args = parser.parse_args()
    print(f"Early signalling benchmark ({platform.python_version()}, {platform.machine()})")
    print("Load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="kp-bench-signalling-") as tmp:
        figures = bench_report(f"sqlite:///{Path(tmp) / 'report.sqlite'}", args.cases)
        print(f"\nReport {args.cases:,} ready cases, SQLite (s):")
        for label, seconds in figures.items():
            print(f"  {label:<10} {seconds:8.2f}")
        sizes = [10_000] + ([1_000_000] if args.million else [])
        for size in sizes:
            median, plan = bench_list(Path(tmp), size)
            print(f"\nReady list, first page at {size:,} cases: {median:.1f} ms (median)")
            print(f"  plan: {plan}")
    print("Load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
