"""The audit log is a hash chain with signed checkpoints; every kind of tampering shows."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.actor import Actor
from portal.audit import verify as audit_verify
from portal.audit.models import AuditEvent
from portal.audit.service import record, seal, write_now
from portal.db import make_engine, write_lock
from tests.conftest import migrate

SEED = "bm90LWEtcmVhbC1rZXktb25seS1mb3ItdGVzdHMtMTI"  # 32 bytes, base64url


def keys():
    return audit_verify.public_keys(SEED)


def actor(n: int = 1) -> Actor:
    return Actor(
        kind="staff",
        user_id=n,
        organisation_id=1,
        roles=frozenset({"caseworker"}),
        request_id=f"req{n:08d}",
        client_addr="192.0.2.0/24",
    )


def write(session, count: int = 6) -> list[AuditEvent]:
    """Record ``count`` events and seal them into the chain."""
    events = [
        record(
            session,
            actor(i),
            "case.view",
            case_id=i,
            categories=["identity", "contact"],
            basis="statutory:wgs",
            detail={"n": i},
        )
        for i in range(1, count + 1)
    ]
    seal(session)
    for event in events:
        session.refresh(event)
    return events


def tamper(session, sql: str, **params) -> None:
    """Act as someone with direct database access who bypasses the append-only triggers."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        session.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        session.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
    session.execute(text(sql), params)
    session.expire_all()


def test_events_link_into_a_chain(session):
    events = write(session, 3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    verdict = audit_verify.verify(session, keys())
    assert verdict.ok and verdict.events == 3


def test_events_hold_no_personal_data_fields():
    columns = set(AuditEvent.__table__.columns.keys())
    assert not columns & {"bsn", "name", "surname", "email", "phone", "address", "birth_date"}


INSERT_FORGED = (
    "INSERT INTO audit_event (seq, occurred_at, actor_kind, actor_label, action, categories, "
    "detail, prev_hash, hash) VALUES (4, '2026-01-01 00:00:00', 'staff', '', 'case.view', '', "
    "'{}', :genesis, :forged)"
)

TAMPERING = {
    "edit an action": ["UPDATE audit_event SET action = 'case.list' WHERE seq = 3"],
    "edit categories": ["UPDATE audit_event SET categories = 'identity' WHERE seq = 2"],
    "edit who": ["UPDATE audit_event SET user_id = 99 WHERE seq = 4"],
    "edit when": ["UPDATE audit_event SET occurred_at = '2020-01-01 00:00:00' WHERE seq = 2"],
    "edit the basis": ["UPDATE audit_event SET basis = 'owner' WHERE seq = 5"],
    "edit the detail": ["UPDATE audit_event SET detail = '{}' WHERE seq = 1"],
    "move to another case": ["UPDATE audit_event SET case_id = 5 WHERE seq = 3"],
    "blank the client address": ["UPDATE audit_event SET client_addr = NULL WHERE seq = 6"],
    "replace a hash": ["UPDATE audit_event SET hash = :forged WHERE seq = 3"],
    "delete one in the middle": ["DELETE FROM audit_event WHERE seq = 3"],
    "delete the newest": ["DELETE FROM audit_event WHERE seq = 6"],
    "reorder two": [
        "UPDATE audit_event SET seq = -2 WHERE seq = 2",
        "UPDATE audit_event SET seq = 2 WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = -2",
    ],
    "insert a forged one": [
        "UPDATE audit_event SET seq = seq + 100 WHERE seq >= 4",
        INSERT_FORGED,
        "UPDATE audit_event SET seq = seq - 99 WHERE seq >= 100",
    ],
}


@pytest.mark.parametrize("statements", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_detected(session, statements):
    write(session)
    for sql in statements:
        tamper(session, sql, genesis="0" * 64, forged="f" * 64)
    verdict = audit_verify.verify(session, keys())
    assert not verdict.ok
    assert verdict.broken.seq is not None


def test_rewriting_the_whole_chain_is_caught_by_a_signed_checkpoint(session):
    write(session)
    assert audit_verify.checkpoint(session, SEED).seq == 6
    # The attacker edits event 2 and recomputes every later hash, including the head row.
    tamper(session, "UPDATE audit_event SET action = 'nothing.to.see' WHERE seq = 2")
    running = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 1))
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.seq >= 2).order_by(AuditEvent.seq)
    ):
        from portal.audit.service import HASHED_FIELDS, chain_hash

        new = chain_hash(running, {f: getattr(event, f) for f in HASHED_FIELDS})
        tamper(
            session,
            "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s",
            p=running,
            h=new,
            s=event.seq,
        )
        running = new
    session.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": running})
    verdict = audit_verify.verify(session, keys())
    assert verdict.broken is not None
    assert "checkpoint" in verdict.broken.reason


def test_forged_checkpoint_signature_is_detected(session):
    write(session, 2)
    cp = audit_verify.checkpoint(session, SEED)
    cp.signature = bytes(64)
    session.flush()
    assert "signature" in audit_verify.verify(session, keys()).broken.reason


def test_checkpoint_by_unknown_key_is_detected(session):
    write(session, 2)
    audit_verify.checkpoint(session, SEED)
    other = audit_verify.public_keys("b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI")
    assert "unknown key" in audit_verify.verify(session, other).broken.reason


def test_nothing_new_to_sign(session):
    assert audit_verify.checkpoint(session, SEED) is None
    write(session, 1)
    assert audit_verify.checkpoint(session, SEED) is not None
    assert audit_verify.checkpoint(session, SEED) is None


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]
)
def test_the_database_refuses_changes_to_events(session, statement):
    write(session, 1)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))


def test_cli_verify_reports_ok_and_breaks(app, session, tmp_path):
    write(session, 4)
    runner = app.test_cli_runner()
    saved = {k: app.config[k] for k in ("KP_AUDIT_SIGNING_KEY", "KP_AUDIT_CHECKPOINT_FILE")}
    app.config["KP_AUDIT_SIGNING_KEY"] = SEED
    app.config["KP_AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "checkpoints.txt")
    try:
        assert "signed checkpoint at event 4" in runner.invoke(args=["audit", "checkpoint"]).output
        ok = runner.invoke(args=["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "OK: 4 events, 1 signed checkpoints" in ok.output
        tamper(session, "DELETE FROM audit_event WHERE seq = 2")
        broken = runner.invoke(args=["audit", "verify"])
    finally:
        app.config.update(saved)
    assert broken.exit_code == 1
    assert "BROKEN at event 2" in broken.output


def test_concurrent_writers_and_sealers_never_fork_the_chain(backend, databases):
    """Eight threads write at once on their own connections while two sealers run; nobody
    waits on a shared row to write, nothing fails (SQLite included), and the chain stays
    one line with every event in it."""
    from sqlalchemy.orm import Session

    url = databases.fresh(backend, "audit_threads")
    migrate(url)
    engine = make_engine(url, pool_size=12) if backend == "postgresql" else make_engine(url)
    barrier = threading.Barrier(10)
    writing = threading.Event()
    writing.set()
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with Session(engine) as s, s.begin():
                    record(s, actor(n), "case.view", case_id=n)
        except BaseException as exc:
            failures.append(exc)

    def sealer() -> None:
        try:
            barrier.wait()
            while writing.is_set():
                with write_lock(), Session(engine) as s, s.begin():
                    seal(s)
        except BaseException as exc:
            failures.append(exc)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for t in writers + sealers:
        t.start()
    for t in writers:
        t.join()
    writing.clear()
    for t in sealers:
        t.join()
    assert failures == []
    with write_lock(), Session(engine) as s, s.begin():
        seal(s)
    with Session(engine) as s:
        verdict = audit_verify.verify(s, keys())
    engine.dispose()
    assert verdict.ok and verdict.events == 80 and verdict.pending == 0


def test_a_pending_event_can_only_be_sealed_once(session):
    """Before the sealer ran, the triggers protect an event: its fields cannot change, and it
    gets its place in the chain once."""
    pending = record(session, actor(), "case.view", case_id=1)
    write_now(session)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE audit_event SET case_id = 2 WHERE id = :id"), {"id": pending.id}
        )
    assert seal(session) == 1
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE audit_event SET seq = 9, hash = 'f' WHERE id = :id"), {"id": pending.id}
        )


def test_verify_reports_events_the_sealer_left_too_long(session):
    record(session, actor(), "case.view", case_id=1)
    write_now(session)
    verdict = audit_verify.verify(session, keys())
    assert verdict.ok and verdict.pending == 1 and verdict.events == 0
    later = verdict.oldest_pending + audit_verify.MERGE_DELAY + timedelta(seconds=1)
    late = audit_verify.verify(session, keys(), now=later)
    assert not late.ok and "sealer" in late.broken.reason
