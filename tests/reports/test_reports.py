"""Statistics: counted in the database, erased cases included, shown as an SVG chart and a
table, for the roles that may read them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from portal.actor import Actor
from portal.cases.models import CASE_STATUSES, Case
from portal.cases.service import shred_case
from portal.errors import Forbidden
from portal.reports.chart import Series, nice_ceiling, stacked_bars
from portal.reports.service import case_statistics, month_window
from tests.conftest import SYSTEM


def opened(session, case: Case, year: int, month: int) -> Case:
    case.created_at = datetime(year, month, 15, 12, tzinfo=UTC)
    session.flush()
    return case


@pytest.fixture
def cases(session, make_case):
    """Cases in three months at two organisations, one with two signals, one erased."""
    from portal.cases.service import create_case
    from tests.conftest import main_tenant

    a = opened(session, make_case("corporatie"), 2026, 9)
    b = opened(session, make_case("corporatie", bsn="123456782"), 2026, 10)
    c = create_case(
        session,
        SYSTEM,
        b.organisation,
        [main_tenant(bsn="100000009")],
        signal_kinds=["nuisance", "arrears"],
    )
    opened(session, c, 2026, 10)
    c.status, c.closed_at = "closed", datetime(2026, 10, 20, tzinfo=UTC)
    d = opened(session, make_case("welzijn", bsn="111111110"), 2026, 11)
    shred_case(session, SYSTEM, a)
    session.flush()
    return {"a": a, "b": b, "c": c, "d": d}


TODAY = date(2026, 11, 22)


def test_month_window():
    assert month_window(3, date(2026, 2, 10)) == ["2025-12", "2026-01", "2026-02"]


def test_counts_per_month_status_signal_and_erased(session, cases):
    stats = case_statistics(session, SYSTEM, months=3, today=TODAY)
    assert [m.month for m in stats.months] == ["2026-09", "2026-10", "2026-11"]
    sep, octo, nov = stats.months
    assert (sep.cases, sep.erased, dict(sep.by_status)) == (1, 1, {})
    assert (octo.cases, octo.erased, dict(octo.by_status)) == (2, 0, {"open": 1, "closed": 1})
    assert dict(octo.by_signal) == {"arrears": 2, "nuisance": 1}
    assert octo.detail[("nuisance", "closed", False)] == 1
    assert (nov.cases, dict(nov.by_status)) == (1, {"open": 1})
    assert stats.total == 4 and stats.erased == 1
    assert stats.statuses == CASE_STATUSES
    assert stats.signal_kinds[:2] == ("arrears", "nuisance")


def test_an_empty_month_is_there_with_zeros(session, cases):
    stats = case_statistics(session, SYSTEM, months=5, today=TODAY)
    assert [m.cases for m in stats.months] == [0, 0, 1, 2, 1]


def test_counting_loads_no_case(session, cases):
    loaded = []

    def on_load(_session, instance):
        loaded.append(instance)

    session.expunge_all()
    event.listen(session, "loaded_as_persistent", on_load)
    try:
        case_statistics(session, SYSTEM, months=3, today=TODAY)
    finally:
        event.remove(session, "loaded_as_persistent", on_load)
    assert loaded == []


def test_scope_by_role(session, cases, make_user):
    def actor(org, *roles):
        user = make_user(org, roles)
        return Actor(
            kind="staff", user_id=user.id, organisation_id=user.organisation_id, roles=user.roles
        )

    assert case_statistics(session, actor("welzijn", "covenant_admin"), today=TODAY).total == 4
    assert case_statistics(session, actor("corporatie", "team_manager"), today=TODAY).total == 3
    assert case_statistics(session, actor("welzijn", "auditor"), today=TODAY).total == 1
    # Asking for another organisation does not widen a team manager's view.
    manager = actor("welzijn", "team_manager")
    narrowed = case_statistics(
        session, manager, organisation_id=cases["a"].organisation_id, today=TODAY
    )
    assert narrowed.total == 1
    for roles in (("caseworker",), ("org_admin",)):
        with pytest.raises(Forbidden):
            case_statistics(session, actor("corporatie", *roles))


def test_chart_geometry():
    series = [Series("open", "Open", "#000"), Series("erased", "Gewist", "#111")]
    chart = stacked_bars(
        ["a", "b"], series, {("a", "open"): 3, ("a", "erased"): 1, ("b", "open"): 2}
    )
    first, second = chart.bars
    assert first.total == 4 and second.total == 2
    assert [s.series.key for s in first.segments] == ["open", "erased"]
    # Stacked bottom-up, touching, and the tallest bar reaches the axis maximum (4 -> axis 5).
    assert first.segments[0].y + first.segments[0].height == pytest.approx(chart.bottom, abs=0.2)
    assert first.segments[1].y + first.segments[1].height == pytest.approx(
        first.segments[0].y, abs=0.2
    )
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3, 4, 5]
    assert chart.ticks[-1].y == chart.top
    assert nice_ceiling(0) == 1 and nice_ceiling(7) == 10 and nice_ceiling(13) == 20
    assert nice_ceiling(40) == 50 and nice_ceiling(100) == 100


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (("covenant_admin",), 200),
        (("team_manager",), 200),
        (("auditor",), 200),
        (("caseworker",), 403),
        (("org_admin",), 403),
    ],
)
def test_page_access(client, make_user, login, roles, status):
    login(client, make_user("corporatie", roles))
    assert client.get("/cijfers").status_code == status


def test_page_has_an_svg_chart_and_the_same_figures_in_a_table(
    client, make_user, login, session, make_case
):
    for bsn in ("111222333", "123456782", "100000009"):
        make_case("corporatie", bsn=bsn)
    shred_case(session, SYSTEM, make_case("corporatie", bsn="111111110"))
    login(client, make_user("corporatie", ("team_manager",)))
    response = client.get("/cijfers?maanden=6")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    svg = re.search(r"<svg class=\"kp-chart__svg\" role=\"img\".*?</svg>", html, re.S).group(0)
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">' in svg and '<desc id="chart-desc">' in svg
    assert svg.count("<rect ") == 2  # this month: 3 open, 1 erased
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither
    table = re.search(r"<table.*?</table>", html, re.S).group(0)
    assert "<caption" in table and 'scope="row"' in table
    month = re.search(r'<tbody class="utrecht-table__body">(.*?)</tbody>', table, re.S).group(1)
    last_row = month.strip().split("</tr>")[-2]
    cells = re.findall(r'numeric-data">(\d+)</td>', last_row)
    assert cells[:5] == ["4", "3", "0", "0", "1"]  # total, open, in progress, closed, erased
    assert len(re.findall(r'<tr class="utrecht-table__row">', month)) == 6


def test_cli_prints_the_same_figures(app, session, cases):
    result = app.test_cli_runner().invoke(args=["stats", "--months", "24"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["month", "cases", "open", "in_progress", "closed", "erased"]
    october = next(line for line in lines if line.lstrip().startswith("2026-10"))
    assert october.split()[:6] == ["2026-10", "2", "1", "0", "1", "0"]
    assert lines[-1] == "total: 4 cases, of which 1 erased"
    only = app.test_cli_runner().invoke(
        args=["stats", "--months", "24", "--organisation", "welzijn"]
    )
    assert only.output.splitlines()[-1] == "total: 1 cases, of which 0 erased"
    assert app.test_cli_runner().invoke(args=["stats", "--organisation", "nope"]).exit_code != 0


def test_every_signal_kind_and_status_has_a_label():
    from portal.cases.labels import SIGNAL_KIND_LABELS
    from portal.cases.models import CASE_STATUSES, SIGNAL_KINDS
    from portal.reports.labels import STATUS_LABELS

    assert set(SIGNAL_KINDS) <= set(SIGNAL_KIND_LABELS)
    assert set(CASE_STATUSES) <= set(STATUS_LABELS)
