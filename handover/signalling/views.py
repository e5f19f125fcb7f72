"""Early signalling's pages for the landlord: the legal steps and objections of one case (a
case-page panel), and the ready-to-report list with its one action, report.

The tenant's own objection page is in ``tenant_views.py``.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from handover.signalling import service
from handover.signalling.forms import ActionForm, ObjectionForm, ReportForm
from handover.signalling.labels import SKIP_LABELS
from handover.signalling.models import STATES, Objection
from handover.signalling.page import case_panel
from portal.access import casework
from portal.actor import current_actor
from portal.cases.models import Case
from portal.cases.policy import load_case, load_own_case
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.numbers import parse_int, query_int
from portal.web import is_htmx, page_or_fragment, submit

bp = Blueprint("signalling", __name__)

#: At most this many cases chosen by hand in one report (the rest: "all ready").
MAX_CHOSEN = 500


def _panel(case: Case, *, form: ObjectionForm | None = None, notice: str | None = None,
           error: str | None = None, status: int = 200) -> Response:  # fmt: skip
    panel = case_panel(db.session, current_actor(), case)
    db.session.commit()  # the audit event of this view
    response = page_or_fragment(
        "signalling/case.html",
        "signalling/_case_panel.html",
        panel=panel,
        case=case,
        form=form or ObjectionForm(formdata=None),
        action_form=ActionForm(),
        notice=notice,
        error=error,
    )
    response.status_code = status
    return response


@bp.get("/casussen/<int:case_id>/vroegsignalering")
@casework
def for_case(case_id: int):
    """The legal steps before an early signal, and the objections (a case-page panel)."""
    case = load_case(db.session, current_actor(), case_id)
    return _panel(case)


def _after_change(case: Case, message: str) -> ResponseReturnValue:
    if is_htmx():
        return _panel(case, notice=message)
    flash(message, "ok")
    return redirect(url_for(".for_case", case_id=case.id), code=303)


@bp.post("/casussen/<int:case_id>/vroegsignalering/bezwaar")
@casework
def record_objection(case_id: int):
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    form = ObjectionForm()
    outcome = submit(
        form, lambda: service.record_objection(db.session, actor, case, note=form.note.data)
    )
    if outcome.done:
        return _after_change(case, _("Het bezwaar is vastgelegd. Deze casus wordt niet gemeld."))
    return _panel(case, form=form, error=outcome.message or None, status=400)


@bp.post("/casussen/<int:case_id>/vroegsignalering/bezwaar/<int:item_id>/intrekken")
@casework
def withdraw_objection(case_id: int, item_id: int):
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    objection = db.session.get(Objection, item_id)
    if objection is None or objection.case_id != case.id:
        raise NotFound()
    outcome = submit(ActionForm(), lambda: service.withdraw_objection(db.session, actor, objection))
    if outcome.done:
        return _after_change(case, _("Het bezwaar is ingetrokken."))
    return _panel(case, error=outcome.message or _("Het formulier is verlopen."), status=400)


# --- ready to report ---------------------------------------------------------------------------


@bp.get("/vroegsignalering")
@casework
def ready():
    """This month's cases ready to report, and for the others which step is missing."""
    actor = current_actor()
    state = request.args.get("toon", "ready")
    state = state if state in STATES else "ready"
    before = query_int(request.args, "voor")
    page = service.ready_page(db.session, actor, state, before=before)
    next_url = url_for(".ready", toon=state, voor=page.next_before) if page.next_before else None
    return page_or_fragment(
        "signalling/ready.html",
        "signalling/_ready_rows.html",
        page=page,
        states=STATES,
        next_url=next_url,
        form=ReportForm(formdata=None),
    )


def _chosen() -> list[int]:
    values = request.form.getlist("case")
    if len(values) > MAX_CHOSEN:
        raise DomainError(
            _("Kies hoogstens %(n)s casussen, of meld alle casussen die klaar zijn.", n=MAX_CHOSEN)
        )
    chosen = []
    for value in values:
        number = parse_int(value)
        if number is None:
            raise DomainError(_("Deze keuze klopt niet. Laad de pagina opnieuw."))
        chosen.append(number)
    return chosen


def _flash_result(result: service.ReportResult) -> None:
    flash(
        ngettext(
            "%(num)s casus gemeld aan de gemeente.",
            "%(num)s casussen gemeld aan de gemeente.",
            len(result.sent),
        ),
        "ok",
    )
    if result.repeats:
        flash(
            ngettext(
                "%(num)s casus niet opnieuw gemeld: het bedrag is niet gestegen.",
                "%(num)s casussen niet opnieuw gemeld: het bedrag is niet gestegen.",
                len(result.repeats),
            ),
            "info",
        )
    for reason in sorted(set(result.skipped.values())):
        count = sum(1 for r in result.skipped.values() if r == reason)
        flash(
            ngettext(
                "%(num)s casus niet gemeld: %(why)s.",
                "%(num)s casussen niet gemeld: %(why)s.",
                count,
                why=SKIP_LABELS[reason],
            ),
            "info",
        )


@bp.post("/vroegsignalering/melden")
@casework
def report():
    """Report the chosen cases to the municipality; many (or "every ready case") as a
    background job with its progress page."""
    actor = current_actor()
    form = ReportForm()
    everything = request.form.get("alle") == "1"
    try:
        chosen = None if everything else _chosen()
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".ready"), code=303)
    if chosen == []:
        flash(_("Kies eerst de casussen die u wilt melden."), "error")
        return redirect(url_for(".ready"), code=303)
    crisis, warm = bool(form.crisis.data), bool(form.warm_handover.data)
    if chosen is not None and len(chosen) <= service.INLINE_MAX:
        outcome = submit(
            form,
            lambda: service.report_cases(
                db.session, actor, chosen, crisis=crisis, warm_handover=warm
            ),
        )
        if outcome.done:
            _flash_result(outcome.result)
        else:
            flash(
                outcome.message or _("Het formulier is verlopen. Laad de pagina opnieuw."), "error"
            )
        return redirect(url_for(".ready"), code=303)
    started = submit(
        form,
        lambda: service.start_job(db.session, actor, chosen, crisis=crisis, warm_handover=warm),
    )
    if not started.done:
        flash(started.message or _("Het formulier is verlopen. Laad de pagina opnieuw."), "error")
        return redirect(url_for(".ready"), code=303)
    job_id = started.result.id
    service.submit_job(job_id)
    return redirect(url_for(".report_job", job_id=job_id), code=303)


@bp.get("/vroegsignalering/melden/<int:job_id>")
@casework
def report_job(job_id: int):
    job = service.load_job(db.session, current_actor(), job_id)
    db.session.commit()
    return page_or_fragment(
        "signalling/report_job.html", "signalling/_report_progress.html", job=job
    )
