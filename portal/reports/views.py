"""The statistics page: a server-rendered SVG bar chart with its data table (no JavaScript)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date
from sqlalchemy import select

from portal.access import staff
from portal.accounts.models import Organisation
from portal.accounts.roles import REPORT_ROLES
from portal.actor import current_actor
from portal.cases.labels import SIGNAL_KIND_LABELS
from portal.extensions import db
from portal.numbers import query_int
from portal.reports import service
from portal.reports.chart import PALETTE, Series, stacked_bars
from portal.reports.labels import STATUS_LABELS

bp = Blueprint("reports", __name__)

#: Grey is kept for erased cases.
ERASED_FILL = PALETTE[2]


def label(labels: dict, code: str) -> str:
    return str(labels.get(code, code))


def month_label(month: str, pattern: str = "MMMM yyyy") -> str:
    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), pattern)


@bp.get("/cijfers")
@staff(*sorted(REPORT_ROLES))
def statistics():
    """Cases per month by status and signal; erased cases still count."""
    actor = current_actor()
    months = query_int(request.args, "maanden", default=12)
    months = months if months in (6, 12, 24) else 12
    figures = service.case_statistics(db.session, actor, months=months)
    fills = [c for c in PALETTE if c != ERASED_FILL]
    series = [
        Series(status, label(STATUS_LABELS, status), fills[i % len(fills)])
        for i, status in enumerate(figures.statuses)
    ] + [Series(service.ERASED, label(STATUS_LABELS, service.ERASED), ERASED_FILL)]
    values = {}
    for m in figures.months:
        for status, count in m.by_status.items():
            values[(m.month, status)] = count
        values[(m.month, service.ERASED)] = m.erased
    chart = stacked_bars([m.month for m in figures.months], series, values)
    organisation = (
        db.session.scalar(
            select(Organisation.name).where(Organisation.id == figures.organisation_id)
        )
        if figures.organisation_id is not None
        else None
    )
    response = Response(
        render_template(
            "reports/statistics.html",
            figures=figures,
            chart=chart,
            months=months,
            organisation=organisation,
            month_label=month_label,
            status_label=lambda code: label(STATUS_LABELS, code),
            signal_label=lambda code: label(SIGNAL_KIND_LABELS, code),
        )
    )
    response.headers.add("Vary", "HX-Request")
    return response
