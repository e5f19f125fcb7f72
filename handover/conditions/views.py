"""A trajectory's conditions: the page (conditions, reviews, breaches, the end), a review by
the partner responsible, and the owner's forms. Thin: the rules are in ``service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from handover.conditions import service
from handover.conditions.forms import ConditionForm, EndForm, ReviewForm
from handover.conditions.labels import END_LABELS, REVIEW_LABELS
from handover.conditions.models import TrajectoryCondition
from handover.decisions.models import Trajectory
from handover.decisions.service import covenant_for
from portal.access import casework
from portal.accounts.models import Organisation
from portal.actor import Actor, current_actor
from portal.cases.views.common import apply_error
from portal.extensions import db
from portal.numbers import parse_int
from portal.sharing import reveal
from portal.web import submit
from portal.workdays import local_today

bp = Blueprint("conditions", __name__)


def _names() -> dict[int, str]:
    return {o.id: o.name for o in db.session.query(Organisation).all()}


def _condition_form(trajectory: Trajectory, *, blank: bool = False) -> ConditionForm:
    """The form with the covenant's partners to choose from (blank: not the posted data)."""
    form = (
        ConditionForm(prefix="condition", formdata=None)
        if blank
        else ConditionForm(prefix="condition")
    )
    form.organisation_id.choices = [
        SelectChoice(o.id, o.name) for o in service.partners(db.session, trajectory)
    ]
    return form


def _context(actor: Actor, trajectory: Trajectory, **forms: Any) -> dict[str, Any]:
    conditions = service.conditions_of(db.session, trajectory.id)
    end = service.end_of(db.session, trajectory.id)
    fields: dict[Any, tuple[str, ...]] = dict.fromkeys(conditions, ("what",))
    for condition in conditions:
        for review in condition.reviews:
            fields[review] = ("note",)
    fields[trajectory] = ("conditions", "support_agreement")
    if end is not None:
        fields[end] = ("motivation",)
    purpose = covenant_for(db.session, trajectory.decision).decision(trajectory.kind).purpose
    shown = reveal(
        db.session, actor, trajectory.case, fields, action="conditions.view", purpose=purpose
    )
    owner = service.is_owner(db.session, actor, trajectory)
    running = end is None
    return {
        "trajectory": trajectory,
        "case": trajectory.case,
        "name": covenant_for(db.session, trajectory.decision).decision(trajectory.kind).name,
        "conditions": conditions,
        "next_task": {c.id: service.open_task(db.session, c) for c in conditions},
        "end": end,
        "shown": shown,
        "owner": owner,
        "may_review": {c.id: service.may_review(db.session, actor, c) for c in conditions},
        "condition_form": forms.get("condition")
        or (_condition_form(trajectory, blank=True) if owner and running else None),
        "end_form": forms.get("end")
        or (EndForm(prefix="end", formdata=None) if owner and running else None),
        "reviews": REVIEW_LABELS,
        "ends": END_LABELS,
        "org_names": _names(),
        "today": local_today(),
    }


@bp.get("/trajecten/<int:trajectory_id>")
@casework
def trajectory(trajectory_id: int):
    actor = current_actor()
    found = service.load_trajectory(db.session, actor, trajectory_id)
    body = render_template("conditions/trajectory.html", **_context(actor, found))
    db.session.commit()  # what was shown was audited
    return body


@bp.post("/trajecten/<int:trajectory_id>/voorwaarden")
@casework
def add(trajectory_id: int):
    actor = current_actor()
    found = service.load_trajectory(db.session, actor, trajectory_id)
    form = _condition_form(found)
    outcome = submit(
        form,
        lambda: service.add_condition(
            db.session,
            actor,
            found,
            what=form.what.data or "",
            organisation_id=form.organisation_id.data or 0,
            interval_weeks=form.interval_weeks.data or 0,
            first_review_on=form.first_review_on.data,
        ),
    )
    if outcome.done:
        flash(_("De voorwaarde is vastgelegd; de eerste toetsing staat bij de partner."), "ok")
        return redirect(url_for(".trajectory", trajectory_id=trajectory_id) + "#conditions", 303)
    return _again(actor, trajectory_id, outcome, condition=form)


@bp.post("/trajecten/<int:trajectory_id>/einde")
@casework
def end(trajectory_id: int):
    actor = current_actor()
    found = service.load_trajectory(db.session, actor, trajectory_id)
    form = EndForm(prefix="end")
    outcome = submit(
        form,
        lambda: service.record_end(
            db.session,
            actor,
            found,
            result=form.result.data or "",
            ended_on=form.ended_on.data,
            motivation=form.motivation.data or "",
        ),
    )
    if outcome.done:
        flash(_("Het einde van het traject is vastgelegd."), "ok")
        return redirect(url_for(".trajectory", trajectory_id=trajectory_id) + "#end", 303)
    return _again(actor, trajectory_id, outcome, end=form)


def _again(actor: Actor, trajectory_id: int, outcome: Any, **forms: Any):
    for form in forms.values():
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
    found = service.load_trajectory(db.session, actor, trajectory_id)
    body = render_template("conditions/trajectory.html", **_context(actor, found, **forms))
    db.session.commit()
    return body, 409 if outcome.conflict else 400


@bp.route("/voorwaarden/<int:condition_id>/toetsen", methods=["GET", "POST"])
@casework
def review(condition_id: int):
    """One condition to review, for the partner responsible (from Mijn werk)."""
    actor = current_actor()
    condition = service.load_condition(db.session, actor, condition_id)
    form = ReviewForm(prefix="review")
    shown_task = service.open_task(db.session, condition)
    if not form.is_submitted() and shown_task is not None:
        form.task.data = str(shown_task.id)
    status = 200
    if form.is_submitted() and service.may_review(db.session, actor, condition):
        outcome = submit(
            form,
            lambda: service.record_review(
                db.session,
                actor,
                condition,
                result=form.result.data or "",
                note=form.note.data,
                task_id=parse_int(form.task.data or ""),
            ),
        )
        if outcome.done:
            flash(_("De toetsing is vastgelegd."), "ok")
            return redirect(url_for(".trajectory", trajectory_id=condition.trajectory_id), 303)
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        status = 409 if outcome.conflict else 400
        condition = service.load_condition(db.session, actor, condition_id)
    elif form.is_submitted():
        status = 403
    body = render_template("conditions/review.html", **_review_context(actor, condition, form))
    db.session.commit()
    return body, status


def _review_context(actor: Actor, condition: TrajectoryCondition, form: ReviewForm) -> dict:
    trajectory = condition.trajectory
    purpose = covenant_for(db.session, trajectory.decision).decision(trajectory.kind).purpose
    fields: dict[Any, tuple[str, ...]] = {condition: ("what",)}
    for earlier in condition.reviews:
        fields[earlier] = ("note",)
    shown = reveal(
        db.session, actor, trajectory.case, fields, action="conditions.view", purpose=purpose
    )
    return {
        "condition": condition,
        "trajectory": trajectory,
        "case": trajectory.case,
        "shown": shown,
        "form": form,
        "task": service.open_task(db.session, condition),
        "may_review": service.may_review(db.session, actor, condition),
        "reviews": REVIEW_LABELS,
        "org_names": _names(),
    }
