"""Retention: categories erased on the covenant's schedule, the key shredded at the end,
the skeleton kept for statistics; dry runs change nothing; runs are idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.cases.models import Case, Person
from portal.cases.service import find_cases_by_bsn, find_cases_by_phone, is_minor
from portal.crypto.context import clear_data_key_cache
from portal.crypto.fields import ERASED, EncryptedRow, EncryptedType, Sealed, decrypt_field
from portal.crypto.models import DataKey
from portal.db import Base, utcnow
from portal.errors import Forbidden
from portal.retention.service import (
    SELF_ERASED,
    RetentionError,
    Schedule,
    declared_categories,
    personal_models,
    retention_batch,
)
from tests.conftest import SYSTEM

# The demo covenant keeps contact details 365 days, identity and finances 730 days.
CONTACT_DAYS, LONGEST_DAYS = 365, 730


def close(session, case: Case, days_ago: int) -> Case:
    case.status = "closed"
    case.closed_at = utcnow() - timedelta(days=days_ago)
    session.flush()
    return case


def run(session, *, dry_run: bool = False, batch_size: int = 200, now=None):
    schedule = Schedule.from_covenant(session)
    plans, after = [], 0
    while True:
        result = retention_batch(
            session,
            SYSTEM,
            schedule,
            now=now,
            after_id=after,
            batch_size=batch_size,
            dry_run=dry_run,
        )
        if result.last_id is None:
            return plans
        plans += result.plans
        after = result.last_id


def events(session, action: str, case_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return session.scalars(query.order_by(AuditEvent.id)).all()


def read(session, obj, field):
    clear_data_key_cache(session)  # read as a new request would
    session.expire(obj)
    return decrypt_field(obj, field, session=session)


# --- the registry of personal-data models --------------------------------------------------


def test_every_model_with_personal_fields_is_found_and_linked_to_its_case():
    models = {m.cls: m for m in personal_models()}
    assert Case in models and Person in models
    contact = ("city", "email", "house_number", "phone", "postcode", "street")
    [(names, _main_only)] = models[Person].parts("contact")
    assert names == contact
    # Every field of a member other than the main tenant is household data.
    household = models[Person].parts("household")
    assert [names for names, _ in household] == [
        ("minor", "relation"),
        tuple(sorted(Person.__categories__)),
    ]
    assert models[Case].parts("arrears")[0][0][0] == "arrears_cents"
    # The contract for every model that declares categories (groundwork, consent, ...):
    # a case_id column (or being Case), and each categorised field a nullable column.
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        categories = getattr(cls, "__categories__", None)
        if not categories:
            continue
        assert issubclass(cls, EncryptedRow), cls
        if getattr(cls, "__retention__", None) in SELF_ERASED:
            # kept whole until the case key is shredded, or erased by the outbox
            assert cls not in models, cls
            continue
        assert cls in models, cls
        assert cls is Case or "case_id" in mapper.columns, cls
        for name in categories:
            assert mapper.columns[name].nullable, f"{cls.__name__}.{name} must be nullable"


def test_a_model_without_a_case_link_is_refused():
    class Elsewhere(DeclarativeBase):
        pass

    class Orphan(EncryptedRow, Elsewhere):
        __tablename__ = "orphan"
        id: Mapped[int] = mapped_column(primary_key=True)
        note: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
        __categories__: ClassVar[dict[str, str]] = {"note": "identity"}

    with pytest.raises(RetentionError, match="Orphan declares __categories__ but has no case_id"):
        personal_models(Elsewhere.registry)


# --- erasing on schedule -----------------------------------------------------------------------


def test_nothing_happens_to_open_or_recently_closed_cases(session, make_case, demo_covenant):
    open_case = make_case()
    open_case.closed_at = utcnow() - timedelta(days=LONGEST_DAYS + 1)  # closed_at alone: open
    recent = close(session, make_case(bsn="123456782"), CONTACT_DAYS - 1)
    assert run(session) == []
    assert read(session, open_case.persons[0], "phone") == "+31612345678"
    assert read(session, recent.persons[0], "phone") == "+31612345678"
    assert events(session, "retention.erase") == []


def test_dry_run_shows_the_plan_and_changes_nothing(session, make_case, demo_covenant):
    case = close(session, make_case(), CONTACT_DAYS + 1)
    before = session.scalar(select(func.count(AuditEvent.id)))
    [plan] = run(session, dry_run=True)
    assert plan.reference == case.reference
    # Contact details, the life map and where a family was sheltered are kept 365 days; only
    # contact details hold data here.
    assert plan.due == ["contact", "life_map", "shelter"]
    assert plan.erase == {"contact": 1} and not plan.shred
    assert read(session, case.persons[0], "phone") == "+31612345678"
    assert session.scalar(select(func.count(AuditEvent.id))) == before


def test_only_the_categories_whose_period_passed_are_erased(session, make_case, demo_covenant):
    case = close(session, make_case(), CONTACT_DAYS + 1)
    person = case.persons[0]
    [plan] = run(session)
    assert plan.erase == {"contact": 1} and not plan.shred
    for field in ("phone", "email", "street", "house_number", "postcode", "city"):
        assert read(session, person, field) is None
    assert read(session, person, "surname") == "Jansen"  # identity: 730 days
    assert read(session, case, "arrears_cents") == 12_345  # finances: 730 days
    # The blind indexes of the erased fields went with them; identity is still searchable.
    assert find_cases_by_phone(session, SYSTEM, "0612345678") == []
    assert find_cases_by_bsn(session, SYSTEM, "111222333") == [case]
    [event] = events(session, "retention.erase", case.id)
    assert event.category_list == ["contact"]
    assert event.actor_kind == "system" and event.detail_dict["shredded"] is False
    assert event.detail_dict["rows"] == {"contact": 1}


def test_a_second_run_changes_nothing(session, make_case, demo_covenant):
    close(session, make_case(), CONTACT_DAYS + 1)
    close(session, make_case(bsn="123456782"), LONGEST_DAYS + 1)
    first = run(session)
    assert sum(p.changes for p in first) == 2
    count = session.scalar(select(func.count(AuditEvent.id)))
    second = run(session)
    assert [p.changes for p in second] == [False]  # the shredded case is not looked at again
    assert session.scalar(select(func.count(AuditEvent.id))) == count


def test_after_the_longest_period_the_key_is_shredded_and_the_skeleton_stays(
    session, make_case, demo_covenant
):
    from portal.cases.service import PersonData

    child = PersonData(surname="Kind", bsn="123456782", minor=True)
    case = close(session, make_case(members=(child,)), LONGEST_DAYS + 1)
    reference, organisation_id, closed_at = case.reference, case.organisation_id, case.closed_at
    [plan] = run(session)
    assert plan.shred and set(plan.erase) == {"arrears", "contact", "household", "identity"}
    # The main tenant's identity; everything about the child is household data.
    assert plan.erase["identity"] == 1 and plan.erase["household"] == 1
    session.expire_all()
    clear_data_key_cache(session)
    case = session.get(Case, case.id)
    assert session.get(DataKey, case.data_key_id).destroyed_at is not None
    # Everything personal is gone (cleared, and the key that could open a copy is destroyed)...
    for person in case.persons:
        for field in ("surname", "bsn", "phone", "birth_date"):
            assert decrypt_field(person, field) in (None, ERASED)
    assert find_cases_by_bsn(session, SYSTEM, "123456782") == []
    # ...and the skeleton stays, for statistics.
    assert (case.reference, case.organisation_id, case.status) == (
        reference,
        organisation_id,
        "closed",
    )
    assert case.closed_at == closed_at and case.signal_kinds == ["arrears"]
    # Even that a member was a minor is personal (household) data: gone with the rest.
    assert len(case.persons) == 2 and [is_minor(p) for p in case.persons] == [False, False]
    [erase] = events(session, "retention.erase", case.id)
    # Shredding erases every category the portal declares (for this case: all of them).
    assert erase.category_list == sorted(declared_categories(personal_models()))
    assert erase.detail_dict["shredded"] is True
    assert len(events(session, "keys.shred", case.id)) == 1


def test_partial_then_full_over_time(session, make_case, demo_covenant):
    case = close(session, make_case(), CONTACT_DAYS + 1)
    run(session)
    later = utcnow() + timedelta(days=LONGEST_DAYS - CONTACT_DAYS)
    [plan] = run(session, now=later)
    assert plan.shred and set(plan.erase) == {"arrears", "identity"}  # contact already gone
    erased = events(session, "retention.erase", case.id)
    assert [e.category_list for e in erased] == [
        ["contact"],
        sorted(declared_categories(personal_models())),
    ]


def test_batches_cover_every_case(session, make_case, demo_covenant):
    bsns = ["111222333", "123456782", "100000009", "111111110"]
    cases = [close(session, make_case(bsn=b), CONTACT_DAYS + 1) for b in bsns]
    plans = run(session, batch_size=1)
    assert sorted(p.case_id for p in plans) == sorted(c.id for c in cases)
    assert all(p.erase == {"contact": 1} for p in plans)


def test_unknown_category_blocks_shredding_and_is_never_erased(session, demo_covenant):
    schedule = Schedule.from_covenant(session)
    assert schedule.unknown == []
    schedule.unknown.append("made_up")
    assert not schedule.all_due(sorted(schedule.periods))


def test_only_a_system_job_runs_retention(session, make_user, demo_covenant):
    user = make_user("corporatie", ("org_admin",))
    actor = Actor(
        kind="staff", user_id=user.id, organisation_id=user.organisation_id, roles=user.roles
    )
    with pytest.raises(Forbidden):
        retention_batch(session, actor, Schedule.from_covenant(session))


# --- the command ---------------------------------------------------------------------------------


def test_cli_dry_run_then_run(app, session, make_case, demo_covenant):
    partial = close(session, make_case(), CONTACT_DAYS + 1)
    full = close(session, make_case(bsn="123456782"), LONGEST_DAYS + 1)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{partial.reference} (closed " in dry.output
    assert "would erase contact (1 rows)" in dry.output
    assert "would destroy the case key" in dry.output
    assert "Dry run, nothing changed" in dry.output
    assert events(session, "retention.erase") == []
    session.expire_all()
    assert session.get(DataKey, full.data_key_id).destroyed_at is None

    done = runner.invoke(args=["retention", "run", "--batch-size", "1"])
    assert done.exit_code == 0, done.output
    assert "erased contact (1 rows)" in done.output and "destroyed the case key" in done.output
    assert "Done: erased data of 2 cases and destroyed the keys of 1" in done.output
    session.expire_all()
    assert session.get(DataKey, full.data_key_id).destroyed_at is not None
    assert len(events(session, "retention.erase")) == 2

    again = runner.invoke(args=["retention", "run"])
    assert "Done: erased data of 0 cases and destroyed the keys of 0" in again.output


def test_cli_refuses_without_a_covenant(app, session, make_case):
    close(session, make_case(), LONGEST_DAYS + 1)
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code != 0 and "geen actief convenant" in result.output
    assert events(session, "retention.erase") == []


def test_statistics_still_count_erased_cases(session, make_case, demo_covenant):
    from portal.reports.service import case_statistics

    close(session, make_case(), LONGEST_DAYS + 1)
    make_case(bsn="123456782")
    before = case_statistics(session, SYSTEM, months=1)
    run(session)
    after = case_statistics(session, SYSTEM, months=1)
    assert before.total == after.total == 2
    assert (before.erased, after.erased) == (0, 1)
    month = after.months[-1]
    assert month.by_status == {"open": 1} and month.erased == 1
    assert month.by_signal["arrears"] == 2
