"""Case meeting pages: the host's list and one meeting (agenda, guests), the statement a guest
signs, and one case's discussion (invitations, the life map on screen, minutes, agreements).
Thin: every rule is in ``service`` and ``minutes``; the case data go through ``page``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from handover.meetings import minutes, service
from handover.meetings.forms import (
    AgendaForm,
    AgreementForm,
    CloseForm,
    GuestForm,
    InviteForm,
    MinutesForm,
    PlanForm,
    SignForm,
    TenantForm,
)
from handover.meetings.labels import ANSWER_LABELS, STATEMENT
from handover.meetings.models import PURPOSE, MeetingAgreement
from handover.meetings.page import item_view
from portal.access import casework
from portal.actor import current_actor
from portal.cases.forms import ActionForm
from portal.cases.policy import load_case
from portal.cases.views.common import apply_error
from portal.errors import NotFound
from portal.extensions import db
from portal.sharing import reveal
from portal.tasks import service as tasks
from portal.web import Outcome, refusal_text, submit
from portal.workdays import TIMEZONE, local_today

bp = Blueprint("meetings", __name__)


def _flash(outcome: Outcome[Any], done: str) -> None:
    if outcome.done:
        flash(done, "ok")
    else:
        flash(refusal_text(outcome.refusal) if outcome.refusal else _("Controleer wat u invulde."),
              "error")  # fmt: skip


@bp.route("/casusoverleg", methods=["GET", "POST"])
@casework
def index():
    """The host's meetings, and planning a new one."""
    actor = current_actor()
    form = PlanForm()
    status = 200
    if form.is_submitted():
        outcome = submit(
            form,
            lambda: service.plan(
                db.session,
                actor,
                starts_at=datetime.combine(form.day.data, form.time.data, tzinfo=TIMEZONE),
                place=form.place.data or "",
            ),
        )
        if outcome.done:
            flash(_("Het casusoverleg is gepland."), "ok")
            return redirect(url_for(".show", meeting_id=outcome.result.id), code=303)
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        status = 400
    meetings = service.meetings_of(db.session, actor)
    return render_template("meetings/index.html", meetings=meetings, form=form), status


def _show(meeting_id: int, status: int = 200, **forms: Any) -> tuple[str, int]:
    actor = current_actor()
    meeting = service.load_meeting(db.session, actor, meeting_id)
    return render_template(
        "meetings/meeting.html",
        meeting=meeting,
        agenda_form=forms.get("agenda_form") or AgendaForm(formdata=None),
        guest_form=forms.get("guest_form") or GuestForm(formdata=None),
        blocked=minutes.blocked(meeting),
    ), status


@bp.get("/casusoverleg/<int:meeting_id>")
@casework
def show(meeting_id: int):
    """One meeting: its agenda of cases and its guests (no case data: references only)."""
    return _show(meeting_id)


@bp.post("/casusoverleg/<int:meeting_id>/agenda")
@casework
def add_case(meeting_id: int):
    actor = current_actor()
    meeting = service.load_meeting(db.session, actor, meeting_id)
    form = AgendaForm()

    outcome = submit(
        form,
        lambda: service.add_case_by_reference(
            db.session, actor, meeting, form.reference.data or ""
        ),
    )
    if outcome.done:
        flash(_("De casus staat op de agenda."), "ok")
        return redirect(url_for(".item", agenda_id=outcome.result.id), code=303)
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    return _show(meeting_id, 400, agenda_form=form)


@bp.post("/casusoverleg/<int:meeting_id>/gasten")
@casework
def add_guest(meeting_id: int):
    actor = current_actor()
    meeting = service.load_meeting(db.session, actor, meeting_id)
    form = GuestForm()
    outcome = submit(
        form,
        lambda: minutes.add_guest(db.session, actor, meeting, name=form.name.data or "",
                                  organisation=form.organisation.data or ""),
    )  # fmt: skip
    if outcome.done:
        flash(_("De gast is aangemeld. Laat de gast eerst de verklaring tekenen."), "ok")
        return redirect(url_for(".sign", meeting_id=meeting.id, guest_id=outcome.result.id),
                        code=303)  # fmt: skip
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    return _show(meeting_id, 400, guest_form=form)


@bp.route("/casusoverleg/<int:meeting_id>/gasten/<int:guest_id>/verklaring",
          methods=["GET", "POST"])  # fmt: skip
@casework
def sign(meeting_id: int, guest_id: int):
    """The confidentiality statement on the host's screen: the guest reads it and ticks."""
    actor = current_actor()
    meeting = service.load_meeting(db.session, actor, meeting_id)
    guest = minutes.load_guest(meeting, guest_id)
    form = SignForm()
    status = 200
    if form.is_submitted():
        outcome = submit(
            form, lambda: minutes.sign(db.session, actor, guest, agreed=bool(form.agree.data))
        )
        if outcome.done or outcome.conflict:
            _flash(outcome, _("%(name)s tekende de verklaring.", name=guest.name))
            return redirect(url_for(".show", meeting_id=meeting.id), code=303)
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        status = 400
    return render_template(
        "meetings/sign.html", meeting=meeting, guest=guest, form=form, statement=STATEMENT
    ), status


# --- one case's discussion ---------------------------------------------------------------------


def _item_page(agenda_id: int, status: int = 200, **forms: Any) -> tuple[str, int]:
    actor = current_actor()
    item = service.load_item(db.session, actor, agenda_id)
    view = item_view(db.session, actor, item)
    db.session.commit()  # the audit event of this look
    invite_form = forms.get("invite_form") or InviteForm(formdata=None)
    invite_form.organisation.choices = [(i.organisation.id, i.organisation.name)
                                        for i in view.to_invite]  # fmt: skip
    agreement_form = forms.get("agreement_form") or AgreementForm(formdata=None)
    agreement_form.organisation.choices = list(minutes.owners(item).items())
    return render_template(
        "meetings/item.html",
        view=view,
        item=item,
        meeting=item.meeting,
        invite_form=invite_form,
        tenant_form=forms.get("tenant_form") or TenantForm(formdata=None, topic=view.topic),
        minutes_form=forms.get("minutes_form") or MinutesForm(formdata=None,
                                                              minutes=view.minutes),
        agreement_form=agreement_form,
        close_form=forms.get("close_form") or CloseForm(formdata=None),
        action_form=ActionForm(),
        answers=ANSWER_LABELS,
        today=local_today(),
    ), status  # fmt: skip


@bp.get("/casusoverleg/bespreking/<int:agenda_id>")
@casework
def item(agenda_id: int):
    return _item_page(agenda_id)


def _after(agenda_id: int, outcome: Outcome[Any], done: str, form_name: str, form: Any) -> Any:
    if outcome.done:
        flash(done, "ok")
        return redirect(url_for(".item", agenda_id=agenda_id), code=303)
    if outcome.refusal is not None and form is not None:
        apply_error(form, outcome.refusal)
    if form is None:
        _flash(outcome, done)
        return redirect(url_for(".item", agenda_id=agenda_id), code=303)
    return _item_page(agenda_id, 409 if outcome.conflict else 400, **{form_name: form})


@bp.post("/casusoverleg/bespreking/<int:agenda_id>/uitnodigen")
@casework
def invite(agenda_id: int):
    actor = current_actor()
    item = service.load_item(db.session, actor, agenda_id)
    form = InviteForm()
    form.organisation.choices = [(i.organisation.id, i.organisation.name)
                                 for i in service.invitable(db.session, item)]  # fmt: skip
    outcome = submit(
        form, lambda: service.invite(db.session, actor, item, form.organisation.data or 0)
    )
    return _after(agenda_id, outcome, _("De partner is uitgenodigd."), "invite_form", form)


@bp.post("/casusoverleg/bespreking/<int:agenda_id>/huurder")
@casework
def invite_tenant(agenda_id: int):
    actor = current_actor()
    item = service.load_item(db.session, actor, agenda_id)
    form = TenantForm()
    outcome = submit(
        form, lambda: service.invite_tenant(db.session, actor, item, form.topic.data or "")
    )
    done = _("De huurder is uitgenodigd en ziet de uitnodiging op de eigen pagina in het portaal.")
    return _after(agenda_id, outcome, done, "tenant_form", form)


@bp.post("/casusoverleg/bespreking/<int:agenda_id>/verslag")
@casework
def record_minutes(agenda_id: int):
    actor = current_actor()
    item = service.load_item(db.session, actor, agenda_id)
    form = MinutesForm()
    outcome = submit(
        form, lambda: minutes.record_minutes(db.session, actor, item, form.minutes.data or "")
    )
    return _after(agenda_id, outcome, _("Het verslag is opgeslagen."), "minutes_form", form)


@bp.post("/casusoverleg/bespreking/<int:agenda_id>/afspraak")
@casework
def add_agreement(agenda_id: int):
    actor = current_actor()
    item = service.load_item(db.session, actor, agenda_id)
    form = AgreementForm()
    form.organisation.choices = list(minutes.owners(item).items())
    outcome = submit(
        form,
        lambda: minutes.add_agreement(db.session, actor, item, text=form.text.data or "",
                                      organisation_id=form.organisation.data or 0,
                                      due_on=form.due_on.data),
    )  # fmt: skip
    done = _("De afspraak staat nu in Mijn werk van de partner die hem uitvoert.")
    return _after(agenda_id, outcome, done, "agreement_form", form)


@bp.post("/casusoverleg/bespreking/<int:agenda_id>/afsluiten")
@casework
def close(agenda_id: int):
    actor = current_actor()
    item = service.load_item(db.session, actor, agenda_id)
    form = CloseForm()
    outcome = submit(form, lambda: service.close_item(db.session, actor, item))
    # Closed meanwhile: the page no longer offers the form, so the refusal is a message.
    answer_at = None if outcome.conflict else form
    return _after(agenda_id, outcome, _("De bespreking is afgesloten."), "close_form", answer_at)


def _agreement_task(agreement_id: int) -> tuple[MeetingAgreement, tasks.CaseTask]:
    """An agreement, for the partner that owns its task and for the host."""
    actor = current_actor()
    agreement = db.session.get(MeetingAgreement, agreement_id)
    task = minutes.task_of(db.session, agreement) if agreement is not None else None
    if agreement is None or task is None or actor.organisation_id not in (
        task.organisation_id, agreement.item.meeting.host_org_id,
    ):  # fmt: skip
        raise NotFound()
    return agreement, task


@bp.get("/casusoverleg/afspraak/<int:agreement_id>")
@casework
def agreement(agreement_id: int):
    """Where Mijn werk links: the discussion it was made in while the viewer may open it;
    afterwards the agreement itself, through the policy point, with its task."""
    actor = current_actor()
    found, task = _agreement_task(agreement_id)
    if service.may_view(actor, found.item):
        return redirect(url_for(".item", agenda_id=found.item_id, _anchor=f"afspraak-{found.id}"))
    shown = reveal(db.session, actor, found.case, {found: ["text"]}, action="meeting.view",
                   purpose=PURPOSE)  # fmt: skip
    db.session.commit()
    return render_template("meetings/agreement.html", agreement=found, task=task,
                           text=shown.get(found, "text"), action_form=ActionForm())  # fmt: skip


@bp.post("/casusoverleg/afspraak/<int:agreement_id>/gedaan")
@casework
def done(agreement_id: int) -> Response:
    """The owner of an agreement (or the host) marks its task done."""
    actor = current_actor()
    agreement, task = _agreement_task(agreement_id)
    outcome = submit(
        ActionForm(), lambda: minutes.complete_agreement(db.session, actor, agreement, task)
    )
    _flash(outcome, _("De afspraak is gedaan."))
    if service.may_view(actor, agreement.item):
        return redirect(url_for(".item", agenda_id=agreement.item_id), code=303)
    return redirect(url_for("accounts.dashboard"), code=303)


@bp.get("/casussen/<int:case_id>/casusoverleg")
@casework
def for_case(case_id: int):
    """The meetings in which the case is (or was) discussed, as far as the viewer may open."""
    actor = current_actor()
    case = load_case(db.session, actor, case_id)
    items = service.items_of_case(db.session, actor, case)
    return render_template("meetings/for_case.html", case=case, items=items,
                           may_plan=case.organisation_id == actor.organisation_id)  # fmt: skip
