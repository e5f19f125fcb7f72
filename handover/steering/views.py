"""The steering page and its CSV file: one service call, the same protected numbers."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from handover.earlysignal.labels import OUTCOME_LABELS as SIGNAL_OUTCOME_LABELS
from handover.steering import labels, service
from portal.access import staff
from portal.accounts.models import Organisation
from portal.accounts.roles import REPORT_ROLES
from portal.actor import current_actor
from portal.extensions import db
from portal.numbers import query_int
from portal.reports.chart import PALETTE, Series, stacked_bars
from portal.reports.suppression import SUPPRESSED
from portal.reports.views import month_label

bp = Blueprint("steering", __name__)

PERIODS = (12, 24, 36)


def _figures() -> tuple[service.Steering, int]:
    actor = current_actor()
    months = query_int(request.args, "maanden", default=12)
    months = months if months in PERIODS else 12
    partner = query_int(request.args, "partner") or None
    return service.steering(db.session, actor, months=months, organisation_id=partner), months


@bp.get("/sturing")
@staff(*sorted(REPORT_ROLES))
def index():
    """Signals, cases, referrals, deadlines, durations, early-signalling outcomes, decisions
    and evictions: a chart and tables, filters by period and partner."""
    figures, months = _figures()
    signals = {
        (m, "signals"): figures.monthly.cell(m, "signals")
        for m in figures.months
        if figures.monthly.cell(m, "signals") is not SUPPRESSED
    }
    series = [Series("signals", str(labels.MONTHLY_LABELS["signals"]), PALETTE[0])]
    chart = stacked_bars(list(figures.months), series, signals)  # type: ignore[arg-type]
    hidden = {m for m in figures.months if figures.monthly.cell(m, "signals") is SUPPRESSED}
    partners = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    organisation = next((n for i, n in partners if i == figures.organisation_id), None)
    return render_template(
        "steering/index.html",
        figures=figures,
        months=months,
        periods=PERIODS,
        chart=chart,
        hidden=hidden,
        partners=partners,
        organisation=organisation,
        may_choose=current_actor().has_role("covenant_admin"),
        labels=labels,
        suppressed=SUPPRESSED,
        month_label=month_label,
        # Each table's rows as (key, label): its figures are looked up by the key.
        month_rows=[(m, month_label(m)) for m in figures.months],
        partner_rows=[
            (r, figures.organisation_names.get(int(r), "—")) for r in figures.referrals.rows
        ],
        outcome_rows=[
            (o, str(SIGNAL_OUTCOME_LABELS.get(o, o))) for o in figures.signal_outcomes.rows
        ],
        year_rows=[(y, y) for y in figures.yearly.rows],
    )


@bp.get("/sturing.csv")
@staff(*sorted(REPORT_ROLES))
def export():
    """The page's tables as CSV (UTF-8 with a byte order mark, so a spreadsheet reads it)."""
    figures, _months = _figures()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerows(service.csv_rows(figures))
    name = f"stuurinformatie-{figures.months[0]}-{figures.months[-1]}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
