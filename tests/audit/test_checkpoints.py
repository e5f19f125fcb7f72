"""Signed checkpoints: what they catch beyond the chain, external copies, and what
`audit verify` reports about them (for the operator's cron)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from portal.audit import verify as audit_verify
from portal.audit.models import AuditEvent
from portal.audit.service import HASHED_FIELDS, chain_hash
from tests.test_audit_chain import SEED, keys, tamper, write


def rewrite_from(session, seq: int) -> None:
    """What an attacker with database access does after editing event ``seq``: recompute
    every later hash and the head row, so the chain itself looks whole again."""
    running = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1))
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)
    ).all():
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


def test_cutting_off_the_newest_events_and_rewinding_the_head_is_caught(session):
    write(session, 6)
    audit_verify.checkpoint(session, SEED)
    tamper(session, "DELETE FROM audit_event WHERE seq > 4")
    fourth = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 4))
    session.execute(text("UPDATE audit_head SET seq = 4, hash = :h WHERE id = 1"), {"h": fourth})
    verdict = audit_verify.verify(session, keys())
    assert verdict.broken is not None and verdict.broken.seq == 6
    assert "checkpoint" in verdict.broken.reason


def test_a_rewrite_that_also_deletes_the_checkpoints_is_caught_by_an_external_copy(session):
    write(session, 6)
    signed = audit_verify.checkpoint(session, SEED)
    external = {signed.seq: signed.hash}
    tamper(session, "UPDATE audit_event SET action = 'nothing.to.see' WHERE seq = 2")
    rewrite_from(session, 2)
    session.execute(text("DELETE FROM audit_checkpoint"))
    # The database alone now looks whole: this is why the copy must live elsewhere.
    assert audit_verify.verify(session, keys()).ok
    verdict = audit_verify.verify(session, keys(), expected=external)
    assert verdict.broken.seq == 6 and "externally kept checkpoint" in verdict.broken.reason


def test_an_external_checkpoint_beyond_the_end_is_caught(session):
    write(session, 3)
    verdict = audit_verify.verify(session, keys(), expected={9: "a" * 64})
    assert verdict.broken.seq == 9


def test_verdict_names_the_newest_checkpoint(session):
    write(session, 2)
    assert audit_verify.verify(session, keys()).last_checkpoint_at is None
    first = audit_verify.checkpoint(session, SEED)
    write(session, 2)
    second = audit_verify.checkpoint(session, SEED)
    verdict = audit_verify.verify(session, keys())
    assert first.seq < second.seq == verdict.last_checkpoint_seq == 4
    assert verdict.last_checkpoint_at == second.signed_at


@pytest.fixture
def cli(app, session, tmp_path):
    """The audit commands with the test key and a checkpoint file of this test's own."""
    saved = {k: app.config[k] for k in ("KP_AUDIT_SIGNING_KEY", "KP_AUDIT_CHECKPOINT_FILE")}
    app.config["KP_AUDIT_SIGNING_KEY"] = SEED
    app.config["KP_AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "checkpoints.txt")
    yield lambda *args: app.test_cli_runner().invoke(args=["audit", *args])
    app.config.update(saved)


def test_the_checkpoint_file_catches_a_cut_off_tail(cli, session, tmp_path):
    """Cut off the newest events, rewind the head and delete the stored checkpoints: the
    database alone looks whole, the checkpoint file does not."""
    write(session, 6)
    assert cli("checkpoint").exit_code == 0
    assert (tmp_path / "checkpoints.txt").read_text().startswith("6:")
    tamper(session, "DELETE FROM audit_event WHERE seq > 4")
    fourth = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 4))
    session.execute(text("UPDATE audit_head SET seq = 4, hash = :h WHERE id = 1"), {"h": fourth})
    session.execute(text("DELETE FROM audit_checkpoint"))
    assert audit_verify.verify(session, keys()).ok
    broken = cli("verify")
    assert broken.exit_code == 1 and "BROKEN at event 6" in broken.output
    assert "externally kept checkpoint" in broken.output


def test_the_checkpoint_file_catches_removed_checkpoints(cli, session):
    write(session, 3)
    cli("checkpoint")
    write(session, 2)
    cli("checkpoint")
    assert "2 kept outside" in cli("verify").output
    session.execute(text("DELETE FROM audit_checkpoint WHERE seq = 3"))
    broken = cli("verify")
    assert broken.exit_code == 1 and "removed" in broken.output


def test_verify_and_checkpoint_seal_what_waits(cli, session):
    from portal.audit.service import record
    from tests.test_audit_chain import actor

    record(session, actor(), "case.view", case_id=1)
    session.commit()
    assert "signed checkpoint at event 1" in cli("checkpoint").output
    record(session, actor(), "case.view", case_id=1)
    session.commit()
    assert "OK: 2 events" in cli("verify").output
    assert cli("seal").output.strip() == "sealed 0 events"


def test_cli_reports_the_last_checkpoint_and_checks_external_copies(cli, session):
    write(session, 3)
    none_yet = cli("verify")
    assert none_yet.exit_code == 0
    assert "No signed checkpoint yet" in none_yet.output
    signed = cli("checkpoint")
    line = next(x for x in signed.output.splitlines() if x.startswith("checkpoint 3:"))
    copy = line.split()[1]
    write(session, 2)
    ok = cli("verify", "--expect", copy)
    assert ok.exit_code == 0, ok.output
    assert "Last signed checkpoint: event 3, signed " in ok.output
    assert "hours ago; 2 events after it" in ok.output
    wrong = cli("verify", "--expect", "3:" + "0" * 64)
    assert wrong.exit_code == 1 and "externally kept checkpoint" in wrong.output
    bad = cli("verify", "--expect", "three")
    assert bad.exit_code == 2 and "SEQ:HASH" in bad.output


def test_prune_keeps_the_checkpoint_file_valid(cli, session):
    """After pruning, the kept file's older lines are not held against the log, and the
    line at the cut still is."""
    write(session, 3)
    cli("checkpoint")
    session.execute(
        text("UPDATE audit_checkpoint SET signed_at = :t WHERE seq = 3"),
        {"t": datetime(2019, 1, 1, tzinfo=UTC)},
    )
    write(session, 2)
    cli("checkpoint")
    write(session, 1)
    pruned = cli("prune")
    assert "removed 3 events up to event 3 (5 years)" in pruned.output, pruned.output
    ok = cli("verify")
    assert ok.exit_code == 0 and "2 kept outside" in ok.output, ok.output
    assert "nothing older than 5 years" in cli("prune").output
