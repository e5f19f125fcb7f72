"""Steering figures: counted from non-personal columns, small counts never shown (nor worked
out from the totals), still right after retention erased the cases, as a page and as CSV; the
monthly rollup gives the figures counted directly, also after referrals changed since."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import delete

from handover import service as referrals
from handover.service import decline
from handover.steering import rollup, service
from handover.steering.models import SteeringRollup
from portal.actor import staff_actor
from portal.db import utcnow
from portal.reports.service import month_window
from portal.reports.suppression import SUPPRESSED, THRESHOLD
from tests.conftest import SYSTEM
from tests.handover.conftest import refer
from tests.reports.test_suppression import recoverable


def _counts(figures) -> list:
    tables = (figures.monthly, figures.referrals, figures.signal_outcomes, figures.yearly)
    found = []
    for t in tables:
        found += [*t.cells.values(), *t.row_totals.values(), *t.column_totals.values(), t.total]
    return found


def test_referrals_are_counted_per_partner_and_small_counts_are_hidden(
    session, people, case, make_case, make_user
):
    admin = staff_actor(make_user("corporatie", roles=("covenant_admin",)))
    for n in range(7):
        other = make_case("corporatie", surname=f"Huurder{n}")
        referral = refer(session, people, other)
        if n < 2:
            coach = people["schuldhulp"][1]
            decline(session, coach, referral, "Geen plek.", version=referral.version)
    figures = service.steering(session, admin, months=12)
    coach_org = str(people["schuldhulp"][0].organisation_id)
    # 7 referrals to the coach (5 running, 2 declined and offered on to welfare by the
    # covenant) and 2 to welfare: the 2s are hidden, and so is what would give them away.
    assert figures.referrals.total == 9
    assert figures.referrals.cell(coach_org, "escalated") is SUPPRESSED
    assert recoverable(figures.referrals) == set()
    assert all(v is SUPPRESSED or not 0 < v < THRESHOLD for v in _counts(figures))
    rows = list(
        csv.reader(
            io.StringIO("\n".join(";".join(r) for r in service.csv_rows(figures))), delimiter=";"
        )
    )
    numbers = [r[3] for r in rows[1:] if r[0] != "doorlooptijd_dagen" and r[3].isdigit()]
    assert all(not 0 < int(n) < THRESHOLD for n in numbers)
    assert any(r[3] == "x" for r in rows)
    assert "<5" not in {r[3] for r in rows if r[0] != "doorlooptijd_dagen"}


def test_a_partner_sees_its_own_figures_and_a_caseworker_none(client, login, people, make_user):
    manager = make_user("schuldhulp", roles=("team_manager",))
    login(client, manager)
    page = client.get("/sturing?partner=999999")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sturing" in html
    assert 'id="partner"' not in html  # no choice of partner: its own organisation's
    assert (
        client.get("/sturing.csv")
        .headers["Content-Disposition"]
        .startswith('attachment; filename="stuurinformatie-')
    )
    login(client, people["corporatie"][0])  # a caseworker
    assert client.get("/sturing").status_code in (403, 404)


def test_the_figures_stay_when_retention_erases_the_cases(session, people, make_case, make_user):
    from portal.cases.service import shred_case

    admin = staff_actor(make_user("corporatie", roles=("covenant_admin",)))
    cases = [make_case("corporatie", surname=f"Wis{n}") for n in range(6)]
    for c in cases:
        refer(session, people, c)
    before = service.steering(session, admin, months=12)
    rollup.rollup(session)
    for c in cases:
        shred_case(session, SYSTEM, c)
    session.flush()
    after = service.steering(session, admin, months=12)
    assert after.monthly.column_totals == before.monthly.column_totals
    assert after.referrals.total == before.referrals.total == 6
    assert _without_rollup(session, service.steering, admin, months=12) == after


def _without_rollup(session, count, *args, **kwargs):
    """What ``count`` gives without the rollup (as before its first run); the rollup stays."""
    savepoint = session.begin_nested()
    session.execute(delete(SteeringRollup))
    found = count(session, *args, **kwargs)
    savepoint.rollback()
    return found


def _history(session, people, make_case, days_ago: int, n: int) -> list:
    """``n`` referrals sent from ``days_ago`` days ago, one a fortnight, each going its own
    way (completed, accepted, declined and offered on, returned, withdrawn, left unanswered),
    the SLA check run along; the cases opened a few days before."""
    corporation, coach = people["corporatie"][1], people["schuldhulp"][1]
    sent = []
    for i in range(n):
        at = utcnow() - timedelta(days=days_ago - 14 * i)
        case = make_case("corporatie", surname=f"Geschiedenis{i}")
        case.created_at = at - timedelta(days=i % 5, hours=i)
        r = referrals.send(
            session,
            corporation,
            case,
            purpose="debt_help",
            recipient_org_id=people["schuldhulp"][0].organisation_id,
            note=None,
            now=at,
        )
        way = i % 6
        if way in (0, 1, 3):
            referrals.accept(session, coach, r, version=r.version, now=at + timedelta(days=1))
        if way == 0:
            for day, kind in ((3, "first_contact"), (6, "help_started")):
                referrals.report(
                    session, coach, r, kind, version=r.version, now=at + timedelta(days=day)
                )
            referrals.report(
                session,
                coach,
                r,
                "help_ended",
                outcome="solved",
                version=r.version,
                now=at + timedelta(days=9),
            )
        elif way == 2:
            decline(session, coach, r, "Geen plek.", version=r.version, now=at + timedelta(days=1))
        elif way == 3:
            referrals.return_to_sender(
                session, coach, r, "Past niet.", version=r.version, now=at + timedelta(days=4)
            )
        elif way == 4:
            referrals.withdraw(
                session,
                corporation,
                r,
                "Vergissing.",
                version=r.version,
                now=at + timedelta(days=2),
            )
        referrals.check_sla(session, now=at + timedelta(days=12))
        sent.append(r)
    session.flush()
    return sent


def _same_figures(session, actor, orgs) -> None:
    for months in (12, 36):
        window = month_window(months)
        for org in orgs:
            sums = rollup.counts(session, window, org)
            assert sums == _without_rollup(session, rollup.counts, window, org)
            figures = service.steering(session, actor, months=months, organisation_id=org)
            direct = _without_rollup(
                session, service.steering, actor, months=months, organisation_id=org
            )
            assert figures == direct


def test_the_rollup_gives_the_figures_counted_directly(session, people, make_case, make_user):
    admin = staff_actor(make_user("corporatie", roles=("covenant_admin",)))
    orgs = [
        None,
        *(people[slug][0].organisation_id for slug in ("corporatie", "schuldhulp", "welzijn")),
    ]
    sent = _history(session, people, make_case, days_ago=400, n=28)
    every = {cell.measure for cell in rollup.counts(session, month_window(36), None)}
    assert every == {"status", *rollup.STEPS, *rollup.BREACHES}  # the history has them all
    rollup.rollup(session)
    _same_figures(session, admin, orgs)
    unchanged = service.steering(session, admin, months=36)
    # Changes after the rollup: the page corrects the sums for the referrals they touched.
    corporation, coach = people["corporatie"][1], people["schuldhulp"][1]
    completed, accepted, withdrawn = sent[0], sent[7], sent[4]
    assert (completed.status, accepted.status, withdrawn.status) == (
        "completed",
        "accepted",
        "withdrawn",
    )
    referrals.reopen(session, coach, completed, version=completed.version)  # working again
    referrals.reopen(session, corporation, withdrawn, version=withdrawn.version)  # sent now
    referrals.report(
        session,
        coach,
        accepted,
        "help_started",
        on=accepted.accepted_at.date(),
        version=accepted.version,
    )  # reported now, dated back to before the rollup
    for n in range(2):  # sent now, and the one declined: offered on to the next rung
        r = referrals.send(
            session,
            corporation,
            make_case("corporatie", surname=f"Nieuw{n}"),
            purpose="debt_help",
            recipient_org_id=people["schuldhulp"][0].organisation_id,
            note=None,
        )
    decline(session, coach, r, "Geen plek.", version=r.version)
    referrals.check_sla(session)  # the last ones offered on expire now
    _same_figures(session, admin, orgs)
    assert service.steering(session, admin, months=36) != unchanged
    # The next run takes it all in, and the page reads the same.
    before = service.steering(session, admin, months=36)
    rollup.rollup(session)
    assert service.steering(session, admin, months=36) == before


def test_before_the_first_rollup_the_figures_are_counted_directly(
    session, people, make_case, make_user
):
    admin = staff_actor(make_user("corporatie", roles=("covenant_admin",)))
    _history(session, people, make_case, days_ago=200, n=12)
    figures = service.steering(session, admin, months=12)
    assert figures.referrals.total == figures.monthly.column_totals["referrals_sent"]
    assert figures.referrals.row_totals[str(people["schuldhulp"][0].organisation_id)] == 12
    # Accepted a day after sending, the cases opened 0-4 days and i hours before: 1, 2, 4,
    # 2, 3 and 5 days from the signal.
    accepted = next(d for d in figures.durations if d.measure == "accepted")
    assert (accepted.count, accepted.median, accepted.p90) == (6, 2, 5)
    rollup.rollup(session)
    assert service.steering(session, admin, months=12) == figures
