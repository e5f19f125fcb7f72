"""Signals coming in: one by hand (a new case, or an addition to the household's open case)
and the arrears file, imported in the background while its job page shows the progress.

An import job is its organisation's alone: another organisation's job id answers 404.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import ROOT
from portal.access import casework
from portal.accounts.models import Organisation
from portal.actor import Actor, current_actor
from portal.cases import intake, jobs, signal_csv
from portal.cases.forms import ImportForm, NewCaseForm
from portal.cases.models import ImportJob
from portal.cases.policy import load_import_job
from portal.cases.views import bp
from portal.cases.views.common import apply_error, contact_days, person_data, today
from portal.errors import NotFound
from portal.extensions import db
from portal.numbers import query_int
from portal.web import is_htmx, submit, vary_on_htmx

REPORT_PAGE = 500
#: The example monthly file (fictional tenants, docs/monthly-file.md) and the day it was made.
EXAMPLE_FILE = ROOT / "docs" / "examples" / "huurachterstand-voorbeeld.csv"
EXAMPLE_DAY = date(2026, 12, 5)
#: Its columns that the download moves to today (a signal over a year old is refused).
EXAMPLE_DATES = ("ontstaansdatum", "signaaldatum")


def _organisation(actor: Actor) -> Organisation:
    """The actor's organisation, which receives the signals."""
    organisation = db.session.get(Organisation, actor.organisation_id)
    if organisation is None:
        raise NotFound()
    return organisation


# --- a new case -------------------------------------------------------------------------------


def _signal(form: NewCaseForm) -> intake.SignalInput:
    return intake.SignalInput(
        kinds=tuple(form.signal_kinds.data),
        signal_date=form.signal_date.data,
        tenant=person_data(form, main=True),
        tenant_number=form.tenant_number.data,
        arrears_cents=form.arrears_amount.cents,
        arrears_months=form.arrears_months.number,
        arrears_since=form.arrears_since.data,
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@casework
def new_case():
    """A signal by hand: opens a case, or adds to the household's open case."""
    actor = current_actor()
    form = NewCaseForm()
    if request.method == "GET":
        form.signal_date.data = today()
        form.signal_kinds.data = ["arrears"]
        return render_template("cases/new.html", form=form)
    outcome = submit(
        form,
        lambda: intake.receive_signal(
            db.session, actor, _organisation(actor), _signal(form), contact_days=contact_days()
        ),
    )
    if not outcome.done:  # the form's errors, or the refusal at its field
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        return render_template("cases/new.html", form=form), 400
    received = outcome.result
    case = received.case
    if received.created:
        flash(_("Casus %(ref)s is geopend.", ref=case.reference), "ok")
    else:
        flash(
            _(
                "Deze huurder had al een open casus. Het signaal is toegevoegd aan %(ref)s.",
                ref=case.reference,
            ),
            "info",
        )
    return redirect(url_for(".show", case_id=case.id), code=303)


# --- import -----------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@casework
def import_upload():
    """Upload the arrears file; the import runs in the background, the page shows progress."""
    actor = current_actor()
    form = ImportForm()
    if request.method == "GET":
        return _import_page(form, status=200)
    outcome = submit(
        form,
        lambda: jobs.start_job(db.session, actor, _organisation(actor), str(get_locale() or "nl")),
    )
    if outcome.refusal is not None:  # e.g. another import still running: 409
        form.file.errors = [outcome.message]
        return _import_page(form, status=outcome.refusal.status)
    if not outcome.done:  # the form's errors (no file, too large...)
        return _import_page(form, status=400)
    job = outcome.result
    checked = jobs.check_file(db.session, job, form.file.data.read())
    db.session.commit()
    if not checked.ok:  # the report with the refused values: this response only
        return _import_page(form, status=400, refused=checked)
    jobs.submit(job)
    return redirect(url_for(".import_job", job_id=job.id), code=303)


def _import_page(
    form: ImportForm, status: int, refused: signal_csv.ParseResult | None = None
) -> tuple[str, int]:
    recent = db.session.scalars(
        select(ImportJob)
        .where(ImportJob.organisation_id == current_actor().organisation_id)
        .order_by(ImportJob.id.desc())
        .limit(10)
    ).all()
    return (
        render_template(
            "cases/import.html",
            form=form,
            recent=recent,
            column_sets=(signal_csv.TODAY, signal_csv.VNG),
            refused=refused,
            max_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
            max_rows=format_number(signal_csv.MAX_ROWS),
        ),
        status,
    )


def example_file(today: date) -> bytes:
    """The example file with its signal dates moved by as many days as ``today`` lies after
    ``EXAMPLE_DAY``: downloaded on any day, it imports without an error as it is. Kept as
    it is written: UTF-8 with a byte-order mark (so Excel reads its accents right), ``;``
    and CRLF, as Excel's "CSV UTF-8" saves it."""
    text = EXAMPLE_FILE.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    dated = [i for i, name in enumerate(rows[0]) if name in EXAMPLE_DATES]
    shift = today - EXAMPLE_DAY
    for row in rows[1:]:
        for i in dated:
            row[i] = (date.fromisoformat(row[i]) + shift).isoformat()
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@bp.get("/import/voorbeeld.csv")
@casework
def import_example():
    """The example monthly file to download: fictional tenants, dated today."""
    return Response(
        example_file(today()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{EXAMPLE_FILE.name}"'},
    )


def _own_job(job_id: int) -> ImportJob:
    """The actor's organisation's job (else 404), marked failed if it went silent."""
    job = load_import_job(db.session, current_actor(), job_id)
    job = jobs.refresh_stale(db.session, job)
    db.session.commit()
    return job


@bp.get("/import/<int:job_id>")
@casework
def import_job(job_id: int):
    job = _own_job(job_id)
    page = query_int(request.args, "pagina", default=1)
    report = job.report[(page - 1) * REPORT_PAGE : page * REPORT_PAGE]
    return render_template(
        "cases/import_job.html",
        job=job,
        progress=jobs.progress_of(job),
        report=report,
        report_page=page,
        report_pages=max(1, -(-len(job.report) // REPORT_PAGE)),
    )


@bp.get("/import/<int:job_id>/voortgang")
@casework
def import_progress(job_id: int):
    """The progress fragment htmx polls every second; a finished job reloads the page."""
    job = _own_job(job_id)
    if not is_htmx():
        return redirect(url_for(".import_job", job_id=job.id))
    if job.finished:
        response = Response("", status=200)
        response.headers["HX-Redirect"] = url_for(".import_job", job_id=job.id)
        return vary_on_htmx(response)
    return vary_on_htmx(
        Response(
            render_template("cases/_import_progress.html", job=job, progress=jobs.progress_of(job))
        )
    )
