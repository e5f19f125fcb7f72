"""Reporting: one referral per case with the statutory purpose, the repeat rule, and never
twice (also when two caseworkers or two app workers report at once)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handover import service as referrals
from handover.earlysignal.models import EarlySignal
from handover.models import Referral
from handover.signalling import service
from handover.signalling.models import SignalReadiness, SignalReport
from portal import create_app
from portal.actor import staff_actor
from portal.audit.models import AuditEvent
from portal.cases.service import update_case
from portal.crypto.fields import decrypt_field
from portal.db import utcnow
from portal.errors import Conflict, Forbidden
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.service import body_of, recipient
from portal.workdays import local_today
from tests.conftest import Client, make_test_config, migrate


def _referrals(session, case) -> list[Referral]:
    return list(session.scalars(select(Referral).where(Referral.case_id == case.id)))


def test_a_ready_case_is_sent_as_one_referral_with_the_statutory_purpose(
    session, worker, steps_case, make_org
):
    _user, actor = worker
    case = steps_case(amount=43_210)
    result = service.report_cases(session, actor, [case.id], crisis=True)
    assert result.sent == [case.id] and not result.repeats and not result.skipped
    (referral,) = _referrals(session, case)
    assert referral.purpose == "early_signalling"
    assert referral.status == "sent"
    assert referral.recipient_org_id == make_org("schuldhulp").id
    assert referral.crisis is True and referral.warm_handover is False
    # The municipality's signal case knows it too: its crisis deadline runs.
    signal = session.scalars(
        select(EarlySignal).where(EarlySignal.referral_id == referral.id)
    ).one()
    assert signal.crisis is True and signal.priority == 0
    report = session.scalars(select(SignalReport).where(SignalReport.case_id == case.id)).one()
    assert report.outcome == "sent" and report.referral_id == referral.id
    assert decrypt_field(report, "amount_cents") == 43_210
    assert session.get(SignalReadiness, case.id, populate_existing=True).state == "reported"
    audit = session.scalars(
        select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "signalling.report"
        )
    ).one()
    detail = json.loads(audit.detail) if isinstance(audit.detail, str) else audit.detail
    assert detail["outcome"] == "sent" and detail["referral"] == referral.id


def test_the_package_holds_nothing_the_covenant_shares_only_on_consent(session, worker, steps_case):
    _user, actor = worker
    case = steps_case()
    service.report_cases(session, actor, [case.id])
    (referral,) = _referrals(session, case)
    assert {"identity", "contact"} <= set(referral.categories)
    assert not set(referral.categories) & {"household", "contact_history", "life_map", "health"}


def test_a_case_that_is_not_ready_is_not_sent(session, worker, steps_case):
    _user, actor = worker
    missing = steps_case(contact=False)
    objected = steps_case()
    service.record_objection(session, actor, objected)
    result = service.report_cases(session, actor, [missing.id, objected.id, 2**31 - 1])
    assert result.sent == []
    assert result.skipped == {missing.id: "missing", objected.id: "objected", 2**31 - 1: "unknown"}
    assert _referrals(session, missing) == [] and _referrals(session, objected) == []


def test_the_repeat_rule(session, worker, steps_case, make_user):
    _user, actor = worker
    case = steps_case(amount=50_000)
    service.report_cases(session, actor, [case.id])
    (first,) = _referrals(session, case)
    coach = staff_actor(make_user("schuldhulp"))
    referrals.decline(session, coach, first, "Niet voor ons.", version=first.version)

    next_month = utcnow() + timedelta(days=32)
    same = service.report_cases(session, actor, [case.id], now=next_month)
    assert same.repeats == [case.id] and same.sent == []
    assert len(_referrals(session, case)) == 1  # not sent again

    update_case(session, actor, case, arrears_cents=65_000)
    assert session.get(SignalReadiness, case.id, populate_existing=True).state == "ready"
    month_after = next_month + timedelta(days=31)
    risen = service.report_cases(session, actor, [case.id], now=month_after)
    assert risen.sent == [case.id]
    assert len(_referrals(session, case)) == 2
    outcomes = session.scalars(
        select(SignalReport.outcome)
        .where(SignalReport.case_id == case.id)
        .order_by(SignalReport.id)
    ).all()
    assert outcomes == ["sent", "repeat", "sent"]


def test_reporting_twice_sends_once(session, worker, steps_case):
    _user, actor = worker
    case = steps_case()
    service.report_cases(session, actor, [case.id])
    again = service.report_cases(session, actor, [case.id])
    assert again.sent == [] and again.skipped == {case.id: "already"}
    assert len(_referrals(session, case)) == 1


def test_only_casework_staff_of_the_landlord_report(session, steps_case, make_user):
    case = steps_case()
    with pytest.raises(Forbidden):
        service.report_cases(session, staff_actor(make_user("corporatie", ("auditor",))), [case.id])
    coach = staff_actor(make_user("schuldhulp"))
    assert service.report_cases(session, coach, [case.id]).skipped == {case.id: "unknown"}


def test_the_ready_list_and_reporting_from_it(session, signed_in, steps_case):
    ready = steps_case(amount=43_210, initials="K.", surname="Klaarstaand")
    held = steps_case(reminder=False, offer=False)
    html = signed_in.get("/vroegsignalering").get_data(as_text=True)
    assert ready.reference in html and held.reference not in html
    # Whom and how much, before reporting: the name and the arrears, in words and euros.
    assert "K. Klaarstaand" in html and "432,10" in html
    session.commit()  # the page's audit event was written after this session's last look
    listed = session.scalars(select(AuditEvent).where(AuditEvent.action == "signalling.list")).all()
    assert listed and listed[-1].case_id == ready.id
    html = signed_in.get("/vroegsignalering?toon=missing").get_data(as_text=True)
    assert held.reference in html
    assert "Nog geen schriftelijke herinnering of aanmaning" in html
    for bad in ("?toon=x", "?voor=abc", f"?voor={2**63}", "?toon=ready&voor=-1"):
        assert signed_in.get(f"/vroegsignalering{bad}").status_code == 200
    response = signed_in.post_form("/vroegsignalering/melden", {"case": str(ready.id)})
    assert response.status_code == 303
    assert len(_referrals(session, ready)) == 1
    page = signed_in.get("/vroegsignalering").get_data(as_text=True)
    assert "1 casus gemeld aan de gemeente." in page
    for bad in ("abc", str(2**31), "-3", ""):
        response = signed_in.post_form("/vroegsignalering/melden", {"case": bad})
        assert response.status_code == 303
    assert len(_referrals(session, ready)) == 1


def test_report_all_ready_as_a_job_with_its_progress_page(session, signed_in, steps_case):
    cases = [steps_case() for _ in range(3)]
    held = steps_case(contact=False)
    response = signed_in.post_form("/vroegsignalering/melden", {"alle": "1", "crisis": "y"})
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert "/vroegsignalering/melden/" in job_url
    assert all(len(_referrals(session, c)) == 1 for c in cases)
    assert all(_referrals(session, c)[0].crisis for c in cases)
    assert _referrals(session, held) == []
    html = signed_in.get(job_url).get_data(as_text=True)
    assert "Klaar" in html and "3 casussen gemeld aan de gemeente." in html
    fragment = signed_in.get(job_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<h1" not in fragment.get_data(as_text=True)
    assert signed_in.get(f"/vroegsignalering/melden/{2**31}").status_code == 404


def test_another_organisation_cannot_see_a_report_job(
    session, signed_in, steps_case, client, login, make_user, app
):
    from handover.signalling.models import SignalReportJob

    steps_case()
    signed_in.post_form("/vroegsignalering/melden", {"alle": "1"})
    job = session.scalars(select(SignalReportJob)).all()[-1]
    other = app.test_client()
    login(other, make_user("schuldhulp"))
    assert other.get(f"/vroegsignalering/melden/{job.id}").status_code == 404


def test_reporting_5000_cases(session, worker, make_org):
    """Reporting thousands at once works (the time is measured in bench/, not here). The
    groundwork is written as rows here (test set-up), the readiness rebuilt once."""
    from portal.cases.intake import SignalInput, import_signals
    from portal.cases.models import Case, ContactAttempt, Letter
    from portal.cases.service import PersonData

    _user, actor = worker
    org = make_org("corporatie")
    today = local_today()
    signals = [
        SignalInput(
            kinds=("arrears",),
            signal_date=today - timedelta(days=60),
            tenant=PersonData(surname=f"Huurder{n}", is_main_tenant=True),
            arrears_cents=20_000,
            arrears_months=2,
            arrears_since=today - timedelta(days=60),
        )
        for n in range(5000)
    ]
    ids = [o.case_id for o in import_signals(session, actor, org, signals).outcomes]
    for case in session.scalars(select(Case).where(Case.id.in_(ids))):
        common = {"case": case, "case_id": case.id, "organisation_id": org.id}
        session.add(
            ContactAttempt(**common, attempted_on=today, channel="phone", outcome="reached")
        )
        session.add(
            Letter(**common, sent_on=today, kind="reminder", points_to_help=True, data_offer=True)
        )
    session.flush()
    assert service.refresh(session, ids) == 5000
    page = service.ready_page(session, actor, "ready", limit=10)
    assert len(page.rows) == 10 and page.next_before is not None

    report = service.report_cases(session, actor, ids)
    assert len(report.sent) == 5000
    assert session.scalar(select(func.count(Referral.id)).where(Referral.case_id.in_(ids))) == 5000


def test_two_workers_reporting_at_once_send_once(backend, databases, tmp_path):
    """Two app workers (two engines), two caseworkers, the same case, the same moment: one
    report row and one referral, on SQLite and on PostgreSQL."""
    from portal.accounts.sessions import signed_in_values
    from portal.cases import groundwork
    from portal.cases.service import create_case
    from tests.conftest import SYSTEM, main_tenant
    from tests.race import seed_partners
    from tests.signalling.conftest import days_ago

    url = databases.fresh(backend, "signalrace")
    migrate(url)
    workers = [create_app(make_test_config(url, tmp_path / "instance")) for _ in range(2)]
    try:
        with workers[0].app_context():
            orgs, actors = seed_partners(db.session)
            case = create_case(
                db.session, SYSTEM, orgs["corporatie"], [main_tenant()],
                arrears_cents=30_000, arrears_since=days_ago(45),
            )  # fmt: skip
            actor = actors[("corporatie", 1)]
            groundwork.add_contact_attempt(
                db.session,
                actor,
                case,
                groundwork.ContactAttemptData(days_ago(9), "phone", "reached"),
            )
            groundwork.add_letter(
                db.session, actor, case, groundwork.LetterData(days_ago(8), "reminder", True, True)
            )
            db.session.commit()
            case_id = case.id
            user_ids = [actors[("corporatie", n)].user_id for n in (1, 2)]
        barrier = threading.Barrier(2, timeout=120)  # a guard against a hang, not a timing
        statuses: list[int] = []
        failures: list[BaseException] = []

        def report(app, user_id: int) -> None:
            try:
                from portal.accounts.models import User

                app.test_client_class = Client
                client = app.test_client()
                with app.test_request_context(environ_base=client.environ_base):
                    values = signed_in_values(
                        db.session.get(User, user_id), now=utcnow(), method="test"
                    )
                with client.session_transaction() as browser:
                    browser.update(values)
                token = client.csrf_token("/vroegsignalering")
                barrier.wait()
                response = client.post(
                    "/vroegsignalering/melden", data={"csrf_token": token, "case": str(case_id)}
                )
                statuses.append(response.status_code)
            except BaseException as exc:
                failures.append(exc)

        threads = [
            threading.Thread(target=report, args=(app, uid))
            for app, uid in zip(workers, user_ids, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == [] and statuses == [303, 303]
        with workers[0].app_context():
            reports = db.session.scalars(
                select(SignalReport).where(SignalReport.case_id == case_id)
            ).all()
            sent = db.session.scalars(select(Referral).where(Referral.case_id == case_id)).all()
            assert len(reports) == 1 and len(sent) == 1
    finally:
        for app in workers:
            app.extensions["kp_db"].engine.dispose()


def test_a_report_row_written_by_someone_else_first_stops_only_that_case(
    session, worker, steps_case
):
    """The batch's rows go in one savepoint; when another writer holds one of them (it
    committed between our check and our write), the rest still go in, one by one."""
    from handover.signalling.service.report import _insert_reports

    _user, actor = worker
    taken, free = steps_case(), steps_case()
    period = service.period_of(utcnow())
    session.add(SignalReport(case=taken, case_id=taken.id, organisation_id=taken.organisation_id,
                             period=period, outcome="sent", amount_cents=1))  # fmt: skip
    session.flush()
    steps = {c.id: service.legal_steps(session, actor, c) for c in (taken, free)}

    def report_for(case, _steps):
        return SignalReport(case=case, case_id=case.id, organisation_id=case.organisation_id,
                            period=period, outcome="sent", amount_cents=2)  # fmt: skip

    written = _insert_reports(
        session, [(taken, steps[taken.id]), (free, steps[free.id])], report_for
    )
    assert set(written) == {free.id}
    rows = session.scalars(select(SignalReport.case_id).where(SignalReport.period == period))
    assert sorted(rows) == sorted([taken.id, free.id])


def test_a_batch_tells_the_municipality_once_without_references_or_names(
    session, worker, steps_case, make_user
):
    coach = make_user("schuldhulp")
    _user, actor = worker
    cases = [steps_case(surname=f"Batchhuurder{n}") for n in range(3)]
    result = service.report_cases(session, actor, [c.id for c in cases])
    assert sorted(result.sent) == sorted(c.id for c in cases)
    bodies = [
        body_of(session, m)
        for m in session.scalars(select(OutboxMessage))
        if recipient(session, m) == coach.email
    ]
    assert len(bodies) == 1, "one notice for the batch, not one e-mail per case"
    assert "3 nieuwe overdrachten" in bodies[0] and "/vroegsignalen" in bodies[0]
    assert not any(c.reference in bodies[0] for c in cases)
    assert "Batchhuurder" not in bodies[0]


def test_sending_many_refuses_the_whole_batch_for_one_case_that_may_not_go(
    session, worker, steps_case, make_org, make_user
):
    _user, actor = worker
    municipality = make_org("schuldhulp").id
    free, taken = steps_case(), steps_case()
    service.report_cases(session, actor, [taken.id])
    with pytest.raises(Conflict):
        referrals.send_many(
            session, actor, [free, taken], purpose="early_signalling", recipient_org_id=municipality
        )
    stranger = staff_actor(make_user("welzijn"))
    with pytest.raises(Forbidden):
        referrals.send_many(
            session, stranger, [free], purpose="early_signalling", recipient_org_id=municipality
        )
    assert _referrals(session, free) == []
