"""Shelter hand-over pages: the list, one hand-over with its checklist, and ticking an item.
Thin: every rule is in ``handover.shelter.service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from handover.models import Referral
from handover.shelter import service
from handover.shelter.forms import TickForm
from handover.shelter.labels import ITEM_HINTS, ITEM_LABELS
from handover.shelter.models import ShelterHandover
from portal.access import casework
from portal.accounts.models import Organisation, User
from portal.actor import Actor, current_actor
from portal.cases.views.common import apply_error
from portal.extensions import db
from portal.sharing import reveal, reveal_recorded
from portal.web import submit

bp = Blueprint("shelter", __name__)

#: What the shelter point needs to know of each member: who, born when, a minor or not.
PERSON_FIELDS = ("initials", "surname", "birth_date", "minor")


@bp.get("/opvang")
@casework
def index():
    """The hand-overs the organisation prepares (the shelter point) or waits for (owner)."""
    actor = current_actor()
    rows = service.listing(db.session, actor)
    return render_template(
        "shelter/index.html",
        rows=[(h, service.planned_eviction(db.session, h.case_id)) for h in rows],
        org_names=_org_names(),
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
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    handover = service.load(db.session, actor, handover_id)
    body = render_template("shelter/detail.html", **_context(actor, handover, {item: form}))
    db.session.commit()
    status = 409 if outcome.conflict else 400
    return body, status


def _org_names() -> dict[int, str]:
    return {o.id: o.name for o in db.session.query(Organisation).all()}


def _context(actor: Actor, handover: ShelterHandover, failed: dict[str, TickForm]) -> dict:
    case = handover.case
    shown = reveal(
        db.session,
        actor,
        case,
        dict.fromkeys(case.persons, PERSON_FIELDS),
        action="shelter.view",
        purpose=handover.purpose,
    )
    own = actor.organisation_id == handover.organisation_id
    notes = (
        reveal_recorded(
            db.session,
            actor,
            case,
            handover.organisation_id,
            {i: ("note",) for i in handover.items if i.note is not None},
            action="shelter.view",
            purpose=handover.purpose,
        )
        if own
        else None
    )
    referral = db.session.get(Referral, handover.referral_id) if handover.referral_id else None
    people: dict[int, Any] = {
        i.done_by_id: db.session.get(User, i.done_by_id) for i in handover.items if i.done_by_id
    }
    forms = {
        i.item: failed.get(i.item) or TickForm(prefix=i.item, formdata=None)
        for i in handover.items
        if service.may_tick(db.session, actor, i)
    }
    return {
        "handover": handover,
        "case": case,
        "shown": shown,
        "notes": notes,
        "own": own,
        "owner": actor.organisation_id == handover.owner_org_id,
        "referral": referral,
        "eviction_on": service.planned_eviction(db.session, case.id),
        "people": people,
        "forms": forms,
        "labels": ITEM_LABELS,
        "hints": ITEM_HINTS,
        "org_names": _org_names(),
    }
