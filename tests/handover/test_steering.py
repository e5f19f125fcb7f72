"""Steering figures: counted from non-personal columns, small counts never shown (nor worked
out from the totals), still right after retention erased the cases, as a page and as CSV."""

from __future__ import annotations

import csv
import io

from handover.service import decline
from handover.steering import service
from portal.actor import staff_actor
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
    assert any(r[3] == "<5" for r in rows)


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
    for c in cases:
        shred_case(session, SYSTEM, c)
    session.flush()
    after = service.steering(session, admin, months=12)
    assert after.monthly.column_totals == before.monthly.column_totals
    assert after.referrals.total == before.referrals.total == 6
