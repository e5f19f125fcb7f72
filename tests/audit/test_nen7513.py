"""NEN 7513 in the audit record: the processing activity, on whose behalf, one event for a
page of many cases (and every change to its list of cases shows), and pruning after the
covenant's retention that can never hide a recent event."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal import sharing
from portal.actor import Actor, staff_actor
from portal.audit import verify as audit_verify
from portal.audit.history import describe
from portal.audit.models import AuditCheckpoint, AuditEvent, AuditPrune, AuditSubject
from portal.audit.retention import prune, years_before
from portal.audit.service import record, seal
from portal.covenant.document import CovenantFileError, parse
from portal.db import utcnow
from tests.test_audit_chain import SEED, keys, tamper, write
from tests.test_sharing import grant_to


@pytest.fixture
def registry(monkeypatch):
    fresh = sharing._Registry()
    monkeypatch.setattr(sharing, "_registry", fresh)
    return fresh


def newest(session) -> AuditEvent:
    seal(session)
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def test_each_event_names_its_processing_activity(
    session, registry, demo_covenant, make_case, make_user
):
    case = make_case("corporatie")
    coach_user = make_user("schuldhulp")
    grant_to(session, case, coach_user.organisation_id, "identity")
    person = case.persons[0]

    sharing.reveal(session, staff_actor(make_user("corporatie")), case, {person: ["surname"]})
    assert newest(session).processing_activity == "VA-DEMOSTAD-01"  # the owner's own work
    sharing.reveal(session, staff_actor(coach_user), case, {person: ["surname"]})
    assert newest(session).processing_activity == "VA-DEMOSTAD-03"  # the grant's purpose
    sharing.reveal(
        session, staff_actor(coach_user), case, {person: ["surname"]}, purpose="early_signalling"
    )
    assert newest(session).processing_activity == "VA-DEMOSTAD-02"  # the page's purpose
    assert audit_verify.verify(session, keys()).ok


def test_acting_on_behalf_of_someone_is_recorded_and_said_in_words(
    session, registry, demo_covenant, make_case, make_user
):
    case = make_case("corporatie")
    actor = replace(staff_actor(make_user("corporatie")), on_behalf_of="emergency:7")
    sharing.reveal(session, actor, case, {case.persons[0]: ["surname"]})
    event = newest(session)
    assert event.on_behalf_of == "emergency:7" and event.version == 2
    (row,) = describe(session, actor, [event])
    assert row.on_behalf_of == "met noodtoegang (melding 7)"


def test_a_list_is_one_event_naming_each_case_with_its_own_basis(
    session, registry, demo_covenant, make_case, make_user
):
    owned = [make_case("corporatie", surname=f"Lijst{i}") for i in range(3)]
    coach_user = make_user("schuldhulp")
    for case in owned:
        grant_to(session, case, coach_user.organisation_id, "identity")
    coach = staff_actor(coach_user)
    before = session.scalar(select(func.count(AuditEvent.id)))
    shown = sharing.reveal_list(
        session, coach, [(c, {c.persons[0]: ["surname", "initials"]}) for c in owned]
    )
    assert [r.get(c.persons[0], "surname") for r, c in zip(shown, owned, strict=True)] == [
        "Lijst0",
        "Lijst1",
        "Lijst2",
    ]
    event = newest(session)
    assert session.scalar(select(func.count(AuditEvent.id))) == before + 1
    assert [case for case, _b in event.subject_list] == sorted(c.id for c in owned)
    assert {b for _c, b in event.subject_list} == {"statutory:wgs_help"}
    assert event.case_id is None and event.action == "case.list"
    assert audit_verify.verify(session, keys()).ok


def _list_event(session) -> AuditEvent:
    subjects = [(11, "owner"), (12, "owner"), (13, "consent:4")]
    event = record(
        session, Actor.system("test"), "case.list", categories=["identity"], subjects=subjects
    )
    seal(session)
    session.refresh(event)
    return event


def _without_subject_triggers(session) -> None:
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        session.execute(text("DROP TRIGGER IF EXISTS audit_subject_no_delete"))
        session.execute(text("DROP TRIGGER IF EXISTS audit_subject_no_update"))


SUBJECT_TAMPERING = {
    "a case removed from the index": "DELETE FROM audit_subject WHERE case_id = 12",
    "a case added to the index": "INSERT INTO audit_subject (case_id, event_id) "
    "VALUES (99, :event_id)",
    "a case moved": "UPDATE audit_subject SET case_id = 14 WHERE case_id = 13",
}


@pytest.mark.parametrize("sql", SUBJECT_TAMPERING.values(), ids=SUBJECT_TAMPERING.keys())
def test_changing_which_cases_an_event_lists_is_detected(session, sql):
    write(session, 2)
    event = _list_event(session)
    write(session, 1)
    assert audit_verify.verify(session, keys()).ok
    _without_subject_triggers(session)
    session.execute(text(sql), {"event_id": event.id})
    verdict = audit_verify.verify(session, keys())
    assert not verdict.ok


def test_the_database_refuses_to_change_an_events_cases(session):
    _list_event(session)
    for sql in ("DELETE FROM audit_subject", "UPDATE audit_subject SET case_id = 1"):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(sql))


def test_filling_a_new_field_into_an_older_event_is_detected(session):
    write(session, 3)
    tamper(session, "UPDATE audit_event SET version = 1 WHERE seq = 2")
    assert not audit_verify.verify(session, keys()).ok


def test_an_older_event_with_a_later_field_filled_in_is_detected(session):
    events = write(session, 3)
    # An event written before version 2 is hashed without the new fields...
    tamper(session, "UPDATE audit_event SET version = 1 WHERE seq = 3")
    from portal.audit.service import chain_hash

    row = session.get(AuditEvent, events[2].id)
    fields = {c.key: getattr(row, c.key) for c in AuditEvent.__table__.columns}
    genuine = chain_hash(row.prev_hash, fields)
    tamper(session, "UPDATE audit_event SET hash = :h WHERE seq = 3", h=genuine)
    tamper(session, "UPDATE audit_head SET hash = :h", h=genuine)
    assert audit_verify.verify(session, keys()).ok  # a genuine version-1 event verifies
    # ...so a value written into one of them afterwards is caught all the same.
    tamper(session, "UPDATE audit_event SET on_behalf_of = 'mandate:1' WHERE seq = 3")
    assert not audit_verify.verify(session, keys()).ok


# --- retention -----------------------------------------------------------------------------


def _checkpoint_at(session, signed_at) -> AuditCheckpoint:
    row = audit_verify.checkpoint(session, SEED)
    row.signed_at = signed_at
    session.flush()
    return row


def test_prune_removes_only_events_older_than_the_retention_at_a_checkpoint(session):
    now = utcnow()
    write(session, 4)
    _list_event(session)
    old = _checkpoint_at(session, years_before(now, 8))
    write(session, 3)
    young = _checkpoint_at(session, years_before(now, 5) + timedelta(days=1))
    write(session, 2)

    assert prune(session, Actor.system("test"), years=7, now=now).up_to_seq == old.seq
    seal(session)
    remaining = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert remaining[0] == old.seq + 1
    assert session.scalar(select(func.count()).select_from(AuditSubject)) == 0
    verdict = audit_verify.verify(session, keys(), expected={young.seq: young.hash})
    assert verdict.ok, verdict.broken
    assert prune(session, Actor.system("test"), years=7, now=now) is None
    # Five years is the floor, whatever is asked.
    assert prune(session, Actor.system("test"), years=1, now=now) is None


def test_the_database_refuses_deleting_past_the_prune_mark(session):
    now = utcnow()
    write(session, 3)
    _checkpoint_at(session, years_before(now, 9))
    write(session, 2)
    prune(session, Actor.system("test"), years=5, now=now)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_event"))


def test_a_prune_mark_at_a_recent_checkpoint_is_detected(session):
    """Someone who writes a prune mark to delete recent events cannot pass verification."""
    now = utcnow()
    write(session, 3)
    recent = _checkpoint_at(session, now - timedelta(days=30))
    write(session, 2)
    session.add(
        AuditPrune(
            up_to_seq=recent.seq, hash=recent.hash, pruned_at=now, retention_years=5, events=3
        )
    )
    session.flush()
    session.execute(text("DELETE FROM audit_event WHERE seq <= :s"), {"s": recent.seq})
    verdict = audit_verify.verify(session, keys())
    assert not verdict.ok and "younger than 5 years" in verdict.broken.reason


def test_a_prune_mark_without_its_checkpoint_is_detected(session):
    now = utcnow()
    write(session, 3)
    mark = _checkpoint_at(session, years_before(now, 9))
    write(session, 2)
    prune(session, Actor.system("test"), years=5, now=now)
    session.execute(text("DELETE FROM audit_checkpoint WHERE seq = :s"), {"s": mark.seq})
    session.expire_all()
    assert not audit_verify.verify(session, keys()).ok


@pytest.mark.parametrize("years", ["4", "0", '"7"', "99999999999999999999"])
def test_the_covenant_keeps_the_log_at_least_five_years(years):
    from portal.demo import DEMO_COVENANT

    source = DEMO_COVENANT.read_text().replace("retention_years = 7", f"retention_years = {years}")
    with pytest.raises(CovenantFileError) as refused:
        parse(source)
    assert [p.path for p in refused.value.problems] == ["audit.retention_years"]


def test_a_covenant_names_its_processing_activities():
    from portal.covenant.rules import Covenant
    from portal.demo import DEMO_COVENANT

    covenant = Covenant.from_document(parse(DEMO_COVENANT.read_text()).document)
    assert covenant.audit_retention_years == 7
    assert covenant.processing_activity(None) == "VA-DEMOSTAD-01"
    assert covenant.processing_activity("debt_help") == "VA-DEMOSTAD-03"
    assert covenant.processing_activity("unknown") == "VA-DEMOSTAD-01"
