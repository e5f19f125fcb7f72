"""How long `audit verify` takes over a million events, on SQLite and (if given) PostgreSQL.

    python -m bench.audit [--events 1000000] [--database-url URL]

Builds a fresh database with the migrations, writes a valid chain with bulk inserts, signs a
checkpoint, then times the same verification that `flask --app wsgi audit verify` runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from portal.audit import verify as audit_verify
from portal.audit.models import GENESIS_HASH, AuditEvent, AuditHead, AuditSubject
from portal.audit.service import VERSION, chain_hash
from portal.db import make_engine
from portal.migrate import alembic_config

SEED = "YmVuY2htYXJrLW9ubHktc2lnbmluZy1rZXktMzJieXQ"


def build(url: str, count: int, batch: int = 20_000) -> float:
    from alembic import command

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    started = time.perf_counter()
    running = GENESIS_HASH
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(engine) as session:
        rows: list[dict] = []
        subjects: list[dict] = []
        for seq in range(1, count + 1):
            # Every tenth event is an inbox page: one event naming 25 cases.
            listed = [[(seq + i) % 100_000, "owner"] for i in range(25)] if seq % 10 == 0 else []
            listed.sort()
            row = {
                "id": seq,
                "version": VERSION,
                "seq": seq,
                "occurred_at": t0 + timedelta(seconds=seq),
                "actor_kind": "staff",
                "actor_label": "",
                "user_id": seq % 50,
                "organisation_id": seq % 5,
                "role": "caseworker",
                "action": "case.view",
                "case_id": None if listed else seq % 100_000,
                "person_id": None,
                "categories": "contact,identity",
                "basis": "statutory:wgs",
                "request_id": f"{seq:032x}",
                "client_addr": "192.0.2.0/24",
                "detail": "{}",
                "processing_activity": "VA-DEMOSTAD-01",
                "on_behalf_of": None,
                "subjects": json.dumps(listed, separators=(",", ":")) if listed else "",
            }
            subjects += [{"event_id": seq, "case_id": case} for case, _basis in listed]
            row["prev_hash"] = running
            running = row["hash"] = chain_hash(running, row)
            rows.append(row)
            if len(rows) == batch:
                session.execute(insert(AuditEvent), rows)
                session.execute(insert(AuditSubject), subjects)
                rows, subjects = [], []
        if rows:
            session.execute(insert(AuditEvent), rows)
        if subjects:
            session.execute(insert(AuditSubject), subjects)
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=count, hash=running))
        audit_verify.checkpoint(session, SEED)
        session.commit()
    engine.dispose()
    return time.perf_counter() - started


def measure(url: str) -> tuple[int, float]:
    engine = make_engine(url)
    with Session(engine) as session:
        started = time.perf_counter()
        verdict = audit_verify.verify(session, audit_verify.public_keys(SEED))
        seconds = time.perf_counter() - started
    engine.dispose()
    assert verdict.ok, verdict.broken
    return verdict.events, seconds


def run(events: int = 1_000_000, database_url: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        backend = url.split(":", 1)[0]
        built = build(url, events)
        events, seconds = measure(url)
        print(
            f"audit verify [{backend}]: {events} events in {seconds:.1f} s "
            f"({events / seconds:,.0f} events/s; building took {built:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    args = parser.parse_args()
    run(args.events, args.database_url)


if __name__ == "__main__":
    main()
