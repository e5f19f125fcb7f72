"""Shelter hand-over pages: the list, one hand-over with its checklist, ticking an item, and
referring the family again when the shelter point declined. Thin: every rule is in
``handover.shelter.service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from handover.labels import STATUS_LABELS
from handover.models import ACTIVE
from handover.shelter import service
from handover.shelter.forms import ReferAgainForm, TickForm
from handover.shelter.labels import ITEM_HINTS, ITEM_LABELS
from handover.shelter.models import ShelterHandover
from portal.access import casework
from portal.accounts.models import Organisation, User
from portal.actor import Actor, current_actor
from portal.cases.views.common import apply_error
from portal.extensions import db
from portal.sharing import reveal, reveal_recorded
from portal.web import Outcome, submit

bp = Blueprint("shelter", __name__)

#: What the shelter point needs to know of each member: who, born when, a minor or not.
PERSON_FIELDS = ("initials", "surname", "birth_date", "minor")


@bp.get("/opvang")
@casework
def index():
    """The hand-overs the organisation prepares (the shelter point) or waits for (owner)."""
    actor = current_actor()
    rows = service.listing(db.session, actor)
    statuses = service.referral_statuses(db.session, rows)
    return render_template(
        "shelter/index.html",
        rows=[
            (h, service.planned_eviction(db.session, h.case_id), statuses.get(h.id)) for h in rows
        ],
        org_names=_org_names(),
        running=ACTIVE,
    )


@bp.route("/opvang/<int:handover_id>", methods=["GET"])
@casework
def detail(handover_id: int):
    actor = current_actor()
    handover = service.load(db.session, actor, handover_id)
    body = render_template("shelter/detail.html", **_context(actor, handover, {}))
    db.session.commit()  # what was shown was audited
    return body


@bp.post("/opvang/<int:handover_id>/<item>")
@casework
def tick(handover_id: int, item: str):
    actor = current_actor()
    handover = service.load(db.session, actor, handover_id)
    form = TickForm(prefix=item)
    outcome = submit(
        form,
        lambda: service.tick(db.session, actor, handover, item, note=form.note.data),
    )
    if outcome.done:
        flash(_("%(item)s: afgevinkt.", item=ITEM_LABELS.get(item, item)), "ok")
        return redirect(url_for(".detail", handover_id=handover_id) + "#checklist", code=303)
    return _refused(actor, handover_id, outcome, form, tick_forms={item: form})


@bp.post("/opvang/<int:handover_id>/opnieuw-aanmelden")
@casework
def refer_again(handover_id: int):
    """The owner refers the family again after the shelter point declined."""
    actor = current_actor()
    handover = service.load(db.session, actor, handover_id)
    form = _refer_form(handover)
    outcome = submit(
        form,
        lambda: service.refer_again(
            db.session,
            actor,
            handover,
            recipient_org_id=form.recipient.data,
            note=form.note.data,
        ),
    )
    if outcome.done:
        flash(
            _("Het gezin is opnieuw aangemeld bij %(org)s.", org=outcome.result.recipient.name),
            "ok",
        )
        return redirect(url_for(".detail", handover_id=handover_id), code=303)
    return _refused(actor, handover_id, outcome, form, refer_form=form)


def _refused(
    actor: Actor,
    handover_id: int,
    outcome: Outcome,
    form: TickForm | ReferAgainForm,
    *,
    tick_forms: dict[str, TickForm] | None = None,
    refer_form: ReferAgainForm | None = None,
):
    """The page again with the form's errors, or the refusal above the page when the form is
    no longer offered (someone else acted first)."""
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    handover = service.load(db.session, actor, handover_id)
    context = _context(actor, handover, tick_forms or {}, refer_form)
    offered = [*context["forms"].values(), context["refer_form"]]
    if outcome.refusal is not None and not any(f is form for f in offered):
        context["error"] = outcome.message
    body = render_template("shelter/detail.html", **context)
    db.session.commit()
    status = 409 if outcome.conflict else 400
    return body, status


def _org_names() -> dict[int, str]:
    return {o.id: o.name for o in db.session.query(Organisation).all()}


def _refer_form(handover: ShelterHandover, formdata: bool = True) -> ReferAgainForm:
    """The partners with the shelter role, another one than the last chosen first."""
    points = service.shelter_points(db.session, handover.purpose)
    last = service.referral_of(db.session, handover)
    points.sort(key=lambda org: org.id == handover.organisation_id)
    form = (
        ReferAgainForm(prefix="again")
        if formdata
        else ReferAgainForm(
            prefix="again", formdata=None, recipient=points[0].id if points else None
        )
    )
    form.recipient.choices = [
        (
            org.id,
            _(
                "%(org)s (vorige overdracht: %(status)s)",
                org=org.name,
                status=STATUS_LABELS.get(last.status, _("onbekend")),
            )
            if last is not None and org.id == last.recipient_org_id
            else org.name,
        )
        for org in points
    ]
    return form


def _context(
    actor: Actor,
    handover: ShelterHandover,
    failed: dict[str, TickForm],
    failed_refer: ReferAgainForm | None = None,
) -> dict:
    case = handover.case
    # Why the referral ended, in the shelter point's words, for those who may read them.
    why = service.why_lapsed(db.session, handover)
    fields: dict[Any, tuple[str, ...]] = dict.fromkeys(case.persons, PERSON_FIELDS)
    if why is not None:
        fields[why] = ("reason",)
    shown = reveal(db.session, actor, case, fields, action="shelter.view", purpose=handover.purpose)
    own = actor.organisation_id == handover.organisation_id
    # Each organisation reads only the notes it wrote itself (its own administration).
    mine = [
        i
        for i in handover.items
        if i.note is not None and i.organisation_id == actor.organisation_id
    ]
    recorded = reveal_recorded(
        db.session,
        actor,
        case,
        actor.organisation_id or 0,
        dict.fromkeys(mine, ("note",)),
        action="shelter.view",
        purpose=handover.purpose,
    )
    notes = {i.id: note for i in mine if isinstance(note := recorded.get(i, "note"), str)}
    referral = service.referral_of(db.session, handover)
    # Who ticked an item: named to the organisation they work for and to the case's owner
    # (whom to call); another shelter point sees the organisation only.
    people: dict[int, Any] = {
        i.done_by_id: db.session.get(User, i.done_by_id)
        for i in handover.items
        if i.done_by_id and actor.organisation_id in (i.organisation_id, handover.owner_org_id)
    }
    forms = {
        i.item: failed.get(i.item) or TickForm(prefix=i.item, formdata=None)
        for i in handover.items
        if service.may_tick(db.session, actor, i)
    }
    lapsed = service.lapsed(db.session, handover)
    reason = shown.get(why, "reason") if why is not None else None
    return {
        "handover": handover,
        "case": case,
        "shown": shown,
        "notes": notes,
        "own": own,
        "owner": actor.organisation_id == handover.owner_org_id,
        "referral": referral,
        "lapsed": service.lapsed_words(db.session, handover) if lapsed else None,
        "lapsed_reason": reason if isinstance(reason, str) else None,
        "waiting": referral is not None and referral.status == "sent" and not handover.ready,
        "refer_form": (failed_refer or _refer_form(handover, formdata=False))
        if service.may_refer_again(db.session, actor, handover)
        else None,
        "error": None,
        "eviction_on": service.planned_eviction(db.session, case.id),
        "people": people,
        "forms": forms,
        "labels": ITEM_LABELS,
        "hints": ITEM_HINTS,
        "org_names": _org_names(),
    }
