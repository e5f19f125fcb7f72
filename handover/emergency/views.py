"""Emergency access pages: open one (the crisis team), end it, and review each use (the
owner's privacy officer). Thin: every rule is in ``handover.emergency.service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from handover.emergency import service
from handover.emergency.forms import OpenForm, ReviewForm
from handover.emergency.labels import REASON_LABELS, VERDICT_LABELS
from handover.emergency.models import EmergencyAccess
from portal.access import casework, staff
from portal.accounts.models import Organisation, User
from portal.accounts.roles import AUDITOR_ROLES
from portal.actor import current_actor
from portal.audit.describe import action_label
from portal.cases.forms import ActionForm
from portal.cases.views.common import apply_error
from portal.db import utcnow
from portal.extensions import db
from portal.sharing import reveal
from portal.web import refusal_text, submit

bp = Blueprint("emergency", __name__)


def _context(**extra: Any) -> dict[str, Any]:
    names = {org.id: org.name for org in db.session.scalars(select(Organisation))}
    return {
        "reasons": REASON_LABELS,
        "verdicts": VERDICT_LABELS,
        "org_names": names,
        "now": utcnow(),
        **extra,
    }


@bp.route("/noodtoegang", methods=["GET", "POST"])
@casework
def open_page():
    """Find the case by BSN or address and open it, with the reason; the organisation's uses."""
    actor = current_actor()
    allowed = service.emergency_role(db.session, actor)
    form = OpenForm()
    status = 200
    if allowed is not None and form.is_submitted():
        by, values = _lookup(form)
        if not values:
            form.validate()
            form.bsn.errors = [
                *form.bsn.errors,
                _("Vul het BSN in, of de postcode en het huisnummer."),
            ]
        else:
            outcome = submit(
                form,
                lambda: service.open_access(
                    db.session,
                    actor,
                    by=by,
                    values=values,
                    reason=form.reason.data or "",
                    motivation=form.motivation.data or "",
                ),
            )
            if outcome.done:
                opened = outcome.result
                until = _time(opened[0].expires_at)
                flash(_("Noodtoegang geopend tot %(time)s.", time=until), "ok")
                return redirect(url_for("cases.show", case_id=opened[0].case_id), code=303)
            if outcome.refusal is not None:
                apply_error(form, outcome.refusal)
        status = 400
    uses = service.opened_by(db.session, actor)
    return render_template(
        "emergency/open.html",
        **_context(form=form, allowed=allowed, uses=uses, end_form=ActionForm()),
    ), status


def _lookup(form: OpenForm) -> tuple[str, tuple[str, ...]]:
    """By BSN when given, else by address; nothing when neither is complete."""
    bsn = (form.bsn.data or "").strip()
    if bsn:
        return "bsn", (bsn,)
    postcode, number = (form.postcode.data or "").strip(), (form.house_number.data or "").strip()
    if postcode and number:
        return "address", (postcode, number)
    return "bsn", ()


def _time(moment) -> str:
    from flask_babel import format_datetime

    from portal.workdays import TIMEZONE

    return format_datetime(moment.astimezone(TIMEZONE), "HH:mm")


@bp.post("/noodtoegang/<int:access_id>/beeindigen")
@casework
def end(access_id: int):
    actor = current_actor()
    access = service.load(db.session, actor, access_id)
    outcome = submit(ActionForm(), lambda: service.end_access(db.session, actor, access))
    if outcome.done:
        flash(_("De noodtoegang is beëindigd."), "ok")
    else:
        flash(
            refusal_text(outcome.refusal) if outcome.refusal else _("Probeer het opnieuw."), "error"
        )
    return redirect(url_for(".open_page"), code=303)


@bp.get("/noodtoegang/toetsing")
@staff(*sorted(AUDITOR_ROLES))
def review_list():
    """Every use of emergency access on the organisation's cases, those to review first."""
    actor = current_actor()
    uses = service.to_review(db.session, actor)
    return render_template("emergency/review_list.html", **_context(uses=uses))


@bp.route("/noodtoegang/<int:access_id>/toetsing", methods=["GET", "POST"])
@staff(*sorted(AUDITOR_ROLES))
def review(access_id: int):
    """One use: who, why (revealed through the policy point, one audit event), every look
    under it, and the verdict."""
    actor = current_actor()
    access = service.load_for_review(db.session, actor, access_id)
    form = ReviewForm()
    status = 200
    if form.is_submitted():
        outcome = submit(
            form,
            lambda: service.review(
                db.session,
                actor,
                access,
                verdict=form.verdict.data or "",
                note=form.note.data or "",
            ),
        )
        if outcome.done:
            flash(_("Uw oordeel is vastgelegd."), "ok")
            return redirect(url_for(".review", access_id=access_id), code=303)
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        status = 400
    return render_template("emergency/review.html", **_review_context(access, form)), status


def _review_context(access: EmergencyAccess, form: ReviewForm):
    actor = current_actor()
    shown = reveal(
        db.session,
        actor,
        access.case,
        {access: ["motivation", "review_note"]},
        action="emergency.view",
    )
    looks = service.looks(db.session, access)
    people = {
        access.user_id: db.session.get(User, access.user_id),
        access.reviewed_by: db.session.get(User, access.reviewed_by)
        if access.reviewed_by
        else None,
    }
    return _context(
        access=access,
        form=form,
        shown=shown,
        looks=[(event, action_label(event.action)) for event in looks],
        people=people,
    )
