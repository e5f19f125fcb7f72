"""``flask keys status|rotate|shred|new-master-key`` on a database of their own.

These tests commit for real (rotation commits per batch), so each gets a fresh database
through ``fresh_app``; several apps on one database play several app servers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organisation
from portal.audit.models import AuditEvent
from portal.cases.models import BlindIndex, Case, Person
from portal.cases.service import create_case, find_cases_by_bsn
from portal.crypto.errors import DecryptionError
from portal.crypto.fields import ERASED, decrypt_field
from portal.crypto.models import DataKey
from portal.crypto.service import key_status, rewrap_batch
from portal.extensions import db
from tests.crypto.conftest import SYSTEM, fake_bsns, main_tenant, new_key

V1, V2, INDEX = new_key(), new_key(), new_key()
OLD = {"KP_MASTER_KEYS": f"v1:{V1}", "KP_INDEX_KEY": INDEX}
NEW = {"KP_MASTER_KEYS": f"v2:{V2},v1:{V1}", "KP_INDEX_KEY": INDEX}


def seed(app, n: int) -> dict[str, tuple[str, str]]:
    """``n`` cases; returns reference -> (surname, bsn)."""
    made = {}
    bsns = fake_bsns()
    with app.app_context():
        session = db.session
        org = Organisation(slug="corporatie", name="Woonstichting")
        session.add(org)
        session.flush()
        for i in range(n):
            bsn = next(bsns)
            case = create_case(session, SYSTEM, org, [main_tenant(surname=f"Naam {i}", bsn=bsn)])
            made[case.reference] = (f"Naam {i}", bsn)
        session.commit()
    return made


def read_all(app) -> dict[str, str]:
    """What a new request on ``app`` reads: reference -> surname."""
    with app.app_context():
        cases = db.session.scalars(select(Case).order_by(Case.id)).all()
        return {c.reference: decrypt_field(c.persons[0], "surname") for c in cases}


def ciphertexts(app) -> list[bytes]:
    with app.app_context():
        return [p.surname.blob for p in db.session.scalars(select(Person).order_by(Person.id))]


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=["keys", *args])


def audit_actions(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_rotation_rewraps_every_key_and_leaves_data_alone(fresh_app):
    old = fresh_app(**OLD)
    made = seed(old, 7)
    expected = {ref: surname for ref, (surname, _bsn) in made.items()}
    before = ciphertexts(old)

    new = fresh_app(**NEW)
    status = invoke(new, "status")
    assert status.exit_code == 0
    assert "Primary master key version: v2" in status.output
    assert "v1: 7" in status.output and "Not yet on the primary version: 7" in status.output

    result = invoke(new, "rotate", "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert "Re-wrapping 7 data keys with master key v2" in result.output
    assert "Done: 7 data keys now wrapped by v2" in result.output
    assert "v2: 7 (primary)" in invoke(new, "status").output
    assert ciphertexts(new) == before, "data is never re-encrypted"

    batches = audit_actions(new, "keys.rotate")
    assert [e.detail_dict["rewrapped"] for e in batches] == [3, 3, 1]
    assert {e.actor_label for e in batches} == {"cli:keys rotate"}

    retired = fresh_app(KP_MASTER_KEYS=f"v2:{V2}", KP_INDEX_KEY=INDEX)
    assert read_all(retired) == expected, "v1 can be retired once nothing uses it"
    assert "already wrapped by v2" in invoke(retired, "rotate").output


def test_rotation_interrupted_and_resumed_while_the_app_reads(fresh_app):
    old = fresh_app(**OLD)
    expected = {ref: surname for ref, (surname, _b) in seed(old, 10).items()}
    rotator = fresh_app(**NEW)
    server = fresh_app(**NEW)  # another app server, already on the new configuration

    # A request in flight since before the rotation: its session has the keys unwrapped.
    in_flight = server.extensions["kp_db"].factory()
    try:
        persons = in_flight.scalars(select(Person).order_by(Person.id)).all()
        assert [decrypt_field(p, "surname") for p in persons] == list(expected.values())

        with rotator.app_context():  # crash before the first batch is committed
            assert rewrap_batch(db.session, SYSTEM, 4) == 4
            db.session.rollback()
        with rotator.app_context():  # one batch committed, then the process dies
            assert rewrap_batch(db.session, SYSTEM, 4) == 4
            db.session.commit()
        with rotator.app_context():
            assert key_status(db.session).per_version == {"v1": 6, "v2": 4}

        assert read_all(server) == expected, "new requests read during the rotation"
        assert [decrypt_field(p, "surname") for p in persons] == list(expected.values())

        resumed = invoke(rotator, "rotate", "--batch-size", "4")
        assert resumed.exit_code == 0, resumed.output
        assert "Re-wrapping 6 data keys" in resumed.output and "Done: 6" in resumed.output
        assert [decrypt_field(p, "surname") for p in persons] == list(expected.values())
    finally:
        in_flight.close()

    assert read_all(server) == expected, "and after it"
    with rotator.app_context():
        status = key_status(db.session)
        assert status.per_version == {"v2": 10} and status.pending == 0


def test_rotation_stops_clearly_when_an_old_version_is_missing(fresh_app):
    seed(fresh_app(**OLD), 2)
    forgot_v1 = fresh_app(KP_MASTER_KEYS=f"v2:{V2}", KP_INDEX_KEY=INDEX)
    result = invoke(forgot_v1, "rotate")
    assert result.exit_code != 0
    assert "configure that version" in result.output and V1 not in result.output
    with forgot_v1.app_context():
        person = db.session.scalars(select(Person)).first()
        with pytest.raises(DecryptionError) as caught:
            decrypt_field(person, "surname")
        assert caught.value.reason == "unwrap-failed"


def test_a_wrong_master_key_fails_clearly(fresh_app):
    seed(fresh_app(**OLD), 1)
    wrong = fresh_app(KP_MASTER_KEYS=f"v1:{new_key()}", KP_INDEX_KEY=INDEX)
    with wrong.app_context():
        person = db.session.scalars(select(Person)).first()
        with pytest.raises(DecryptionError) as caught:
            decrypt_field(person, "bsn")
    assert caught.value.reason == "unwrap-failed"


def test_shred_erases_a_case_for_good(fresh_app):
    app = fresh_app(**OLD)
    made = seed(app, 2)
    (gone_ref, (_n, gone_bsn)), (kept_ref, (kept_name, kept_bsn)) = made.items()

    result = invoke(app, "shred", gone_ref)
    assert result.exit_code == 0, result.output
    assert f"Data key of {gone_ref} destroyed" in result.output

    with app.app_context():
        session = db.session
        gone = session.scalar(select(Case).where(Case.reference == gone_ref))
        kept = session.scalar(select(Case).where(Case.reference == kept_ref))
        person = gone.persons[0]
        assert all(
            decrypt_field(person, f) is ERASED for f in ("surname", "bsn", "birth_date", "city")
        )
        assert decrypt_field(gone, "arrears_cents") is None  # nothing was recorded
        assert decrypt_field(kept.persons[0], "surname") == kept_name
        assert find_cases_by_bsn(session, SYSTEM, gone_bsn) == []
        assert find_cases_by_bsn(session, SYSTEM, kept_bsn) == [kept]
        assert (
            session.scalar(
                select(func.count(BlindIndex.id)).where(BlindIndex.person_id == person.id)
            )
            == 0
        )
        key = session.get(DataKey, gone.data_key_id)
        assert key.wrapped_key is None and key.destroyed_at is not None

    assert "Destroyed data keys (shredded): 1" in invoke(app, "status").output
    [event] = audit_actions(app, "keys.shred")
    assert event.actor_label == "cli:keys shred" and event.detail_dict["already_destroyed"] is False

    again = invoke(app, "shred", gone_ref, "--yes")
    assert again.exit_code == 0 and "already destroyed" in again.output
    rotated = invoke(fresh_app(**NEW), "rotate")
    assert "Re-wrapping 1 data keys" in rotated.output, "a destroyed key is never re-wrapped"

    unknown = invoke(app, "shred", "KP-1999-000001")
    assert unknown.exit_code != 0 and "no case KP-1999-000001" in unknown.output


def test_new_master_key_in_the_key_file_then_rotate(fresh_app, tmp_path):
    key_file = tmp_path / "master_keys"
    key_file.write_text(f"v1:{V1}\n")
    app = fresh_app(KP_MASTER_KEY_FILE=str(key_file), KP_INDEX_KEY=INDEX)
    expected = {ref: name for ref, (name, _b) in seed(app, 3).items()}

    result = invoke(app, "new-master-key")
    assert result.exit_code == 0 and "Master key v2 added as primary" in result.output
    restarted = fresh_app(KP_MASTER_KEY_FILE=str(key_file), KP_INDEX_KEY=INDEX)
    assert invoke(restarted, "rotate").exit_code == 0
    assert "v2: 3 (primary)" in invoke(restarted, "status").output
    assert read_all(restarted) == expected
    [event] = audit_actions(app, "keys.new_master_key")
    assert event.detail_dict == {"version": "v2", "stored": "key-file"}
    assert V1 not in key_file.read_text().splitlines()[0]


def test_new_master_key_with_keys_in_the_environment_prints_it(fresh_app):
    app = fresh_app(**NEW)
    result = invoke(app, "new-master-key")
    assert result.exit_code == 0
    entry = result.output.strip().splitlines()[-1]
    assert entry.startswith("v3:") and len(entry) > 40
