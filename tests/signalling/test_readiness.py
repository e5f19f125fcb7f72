"""The readiness rows follow every change that matters, the CLI rebuilds them, and the list
pages through them by keyset."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from handover.signalling import service
from handover.signalling.models import SignalReadiness
from portal.cases import groundwork
from portal.cases.intake import SignalInput, import_signals
from portal.cases.service import PersonData, update_case
from portal.workdays import local_today
from tests.signalling.conftest import days_ago


def _row(session, case) -> SignalReadiness | None:
    session.flush()
    return session.get(SignalReadiness, case.id, populate_existing=True)


def test_groundwork_and_the_case_file_move_the_row(session, worker, steps_case):
    _user, actor = worker
    case = steps_case(contact=False, reminder=False, offer=False, points_to_help=False)
    row = _row(session, case)
    assert row.state == "missing"
    assert service.missing_steps(row.missing) == ("contact", "points_to_help", "reminder", "offer")
    groundwork.add_contact_attempt(
        session, actor, case, groundwork.ContactAttemptData(days_ago(2), "whatsapp", "reached")
    )
    assert service.missing_steps(_row(session, case).missing) == (
        "points_to_help",
        "reminder",
        "offer",
    )
    letter = groundwork.add_letter(
        session, actor, case, groundwork.LetterData(days_ago(1), "other", True, True)
    )
    assert service.missing_steps(_row(session, case).missing) == ("reminder", "offer")
    groundwork.update_letter(
        session, actor, letter, groundwork.LetterData(days_ago(1), "summons", True, True)
    )
    assert _row(session, case).state == "ready"
    update_case(session, actor, case, arrears_cents=100)
    assert service.missing_steps(_row(session, case).missing) == ("amount",)
    update_case(session, actor, case, status="closed")
    assert _row(session, case) is None


def test_an_import_makes_and_updates_rows(session, worker, make_org):
    _user, actor = worker
    today = local_today()

    def signal(amount: int) -> SignalInput:
        return SignalInput(
            kinds=("arrears",),
            signal_date=today - timedelta(days=40),
            tenant=PersonData(surname="Import", bsn="123456782", is_main_tenant=True),
            arrears_cents=amount,
            arrears_months=1,
            arrears_since=today - timedelta(days=40),
        )

    org = make_org("corporatie")
    (first,) = import_signals(session, actor, org, [signal(1_000)]).outcomes
    row = session.get(SignalReadiness, first.case_id, populate_existing=True)
    assert row is not None and "amount" in service.missing_steps(row.missing)
    (again,) = import_signals(session, actor, org, [signal(90_000)]).outcomes
    assert again.case_id == first.case_id
    row = session.get(SignalReadiness, first.case_id, populate_existing=True)
    assert "amount" not in service.missing_steps(row.missing)


def test_the_cli_rebuilds_the_rows(app, session, steps_case):
    ready, missing = steps_case(), steps_case(contact=False)
    session.execute(delete(SignalReadiness))
    session.commit()
    result = app.test_cli_runner().invoke(args=["signalling", "refresh", "--org", "corporatie"])
    assert result.exit_code == 0, result.output
    assert _row(session, ready).state == "ready"
    assert _row(session, missing).state == "missing"
    bad = app.test_cli_runner().invoke(args=["signalling", "refresh", "--org", "nope"])
    assert bad.exit_code != 0


def test_the_list_pages_by_keyset(session, worker, steps_case):
    _user, actor = worker
    cases = [steps_case() for _ in range(5)]
    first = service.ready_page(session, actor, "ready", limit=2)
    second = service.ready_page(session, actor, "ready", before=first.next_before, limit=2)
    third = service.ready_page(session, actor, "ready", before=second.next_before, limit=2)
    seen = [r.case_id for page in (first, second, third) for r in page.rows]
    ours = sorted((c.id for c in cases), reverse=True)
    assert [i for i in seen if i in ours] == ours
    assert third.next_before is None or len(third.rows) == 2
    assert all(r.state == "ready" and r.missing == () for r in first.rows)


def test_the_list_shows_only_the_own_organisation(session, steps_case, make_user):
    from portal.actor import staff_actor

    case = steps_case()
    coach = staff_actor(make_user("schuldhulp"))
    rows = service.ready_page(session, coach, "ready").rows
    assert case.id not in {r.case_id for r in rows}
    assert (
        session.scalar(
            select(SignalReadiness.organisation_id).where(SignalReadiness.case_id == case.id)
        )
        == case.organisation_id
    )
