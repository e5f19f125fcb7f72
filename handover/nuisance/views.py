"""The case's "Overlast" tab: reports, agreements with the tenant and the partners involved;
the owner records reports and agreements and follows them up, inline with htmx or as plain
forms. Thin: the rules are in ``handover.nuisance.service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from handover.nuisance import service
from handover.nuisance.forms import AgreementForm, ReportForm, SettleForm
from handover.nuisance.page import panel
from portal.access import casework
from portal.actor import current_actor
from portal.cases.models import Case
from portal.cases.policy import load_case, load_own_case
from portal.cases.views.common import apply_error
from portal.extensions import db
from portal.web import is_htmx, page_or_fragment, submit
from portal.workdays import local_today

bp = Blueprint("nuisance", __name__)


def _panel(case: Case, *, status: int = 200, notice: str | None = None,
           error: str | None = None, **forms: Any) -> Response:  # fmt: skip
    view = panel(db.session, current_actor(), case)
    db.session.commit()  # the audit event of this look
    response = page_or_fragment(
        "nuisance/case.html",
        "nuisance/_panel.html",
        panel=view,
        case=case,
        report_form=forms.get("report_form")
        or ReportForm(formdata=None, reported_on=local_today()),
        agreement_form=forms.get("agreement_form")
        or AgreementForm(formdata=None, made_on=local_today()),
        settle_form=SettleForm(formdata=None),
        notice=notice,
        error=error,
    )
    response.status_code = status
    return response


def _after(case: Case, message: str) -> ResponseReturnValue:
    if is_htmx():
        return _panel(case, notice=message)
    flash(message, "ok")
    return redirect(url_for(".for_case", case_id=case.id, _anchor="overlast"), code=303)


@bp.get("/casussen/<int:case_id>/overlast")
@casework
def for_case(case_id: int):
    """The nuisance file of a case, as far as the viewer may see it."""
    case = load_case(db.session, current_actor(), case_id)
    return _panel(case)


@bp.post("/casussen/<int:case_id>/overlast/melding")
@casework
def add_report(case_id: int):
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    form = ReportForm()
    outcome = submit(
        form,
        lambda: service.add_report(
            db.session,
            actor,
            case,
            service.ReportData(
                reported_on=form.reported_on.data,
                kind=form.kind.data or "",
                source=form.source.data or "",
                description=form.description.data or "",
                reporter_name=form.reporter_name.data,
                reporter_contact=form.reporter_contact.data,
            ),
        ),
    )
    if outcome.done:
        return _after(case, _("De melding is vastgelegd."))
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    return _panel(case, status=400, report_form=form)


@bp.post("/casussen/<int:case_id>/overlast/afspraak")
@casework
def add_agreement(case_id: int):
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    form = AgreementForm()
    outcome = submit(
        form,
        lambda: service.add_agreement(
            db.session,
            actor,
            case,
            service.AgreementData(
                made_on=form.made_on.data, text=form.text.data or "", until=form.until.data
            ),
        ),
    )
    if outcome.done:
        return _after(case, _("De afspraak is vastgelegd."))
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    return _panel(case, status=400, agreement_form=form)


@bp.post("/casussen/<int:case_id>/overlast/afspraak/<int:agreement_id>/opvolgen")
@casework
def settle(case_id: int, agreement_id: int):
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    agreement = service.load_agreement(db.session, case, agreement_id)
    status = request.form.get("status", "")
    outcome = submit(SettleForm(), lambda: service.settle(db.session, actor, agreement, status))
    if outcome.done:
        message = _("Afspraak nagekomen.") if status == "kept" else _("Afspraak niet nagekomen.")
        return _after(case, message)
    return _panel(case, status=409 if outcome.conflict else 400,
                  error=outcome.message or _("Het formulier is verlopen."))  # fmt: skip
