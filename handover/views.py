"""Referral pages: the inbox, one referral with its pre-filled intake, and sending a case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from consent import service as consent_service
from consent.labels import CHANNEL_LABELS
from handover import service
from handover.earlysignal.models import EarlySignal
from handover.earlysignal.policy import FEEDBACK_STATUSES, feedback_for, sender_feedback
from handover.forms import (
    CheckForm,
    DatedForm,
    EscalateForm,
    OutcomeForm,
    ReasonForm,
    SendForm,
    VersionedForm,
)
from handover.models import ACTIVE, ARREARS_ITEM, CLOSED, Referral
from handover.policy import REFERRAL_PERSON_FIELDS, load_referral, visible_referrals
from portal.access import casework
from portal.actor import Actor, current_actor
from portal.cases.groundwork import groundwork_items
from portal.cases.models import Case, ContactAttempt
from portal.cases.models.tenant import TENANT_INPUT
from portal.cases.policy import load_case, load_own_case
from portal.cases.tenant_input import organisation_names, said, says_of
from portal.covenant.rules import NoActiveCovenant, active_covenant, active_version
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.numbers import query_int
from portal.sharing import decide, reveal
from portal.web import Outcome, page_or_fragment, submit

bp = Blueprint("handover", __name__)

PAGE_SIZE = 25
VIEWS = {
    "wachtend": _l("Wacht op acceptatie"),
    "lopend": _l("In behandeling"),
    "afgerond": _l("Recent afgerond"),
    "verstuurd": _l("Door ons verstuurd"),
}
#: What the referral page shows of each household member (all but the relation code).


#: What the referral page reads of a referral, loaded with it: the case and its household, both
#: partners, and the history.
PAGE_LOADS = (
    joinedload(Referral.case).joinedload(Case.persons),
    joinedload(Referral.sender),
    joinedload(Referral.recipient),
    selectinload(Referral.events),
)


@dataclass(frozen=True)
class Action:
    """A button on a referral: its form, and the one service call it makes with the form's
    data, which answers the referral to show next (a new one after an escalation)."""

    form: type[VersionedForm]
    run: Callable[[Actor, Referral, Any], Referral]


def _report(step: str) -> Callable[[Actor, Referral, Any], Referral]:
    """The receiver reports a step of the help on its day; the action is named after the step."""
    return lambda actor, referral, form: service.report(
        db.session, actor, referral, step, on=form.on.data, version=form.version.data
    )


def _with_reason(close: Callable[..., Referral]) -> Callable[[Actor, Referral, Any], Referral]:
    """Decline, return and withdraw: each ends the referral with the user's reason."""
    return lambda actor, referral, form: close(
        db.session, actor, referral, form.reason.data, version=form.version.data
    )


#: Every transition by its name in the URL; the form prefix is the name too, so the field ids
#: stay unique with all forms on one page.
ACTIONS: dict[str, Action] = {
    "accept": Action(
        VersionedForm,
        lambda actor, referral, form: service.accept(
            db.session, actor, referral, version=form.version.data
        ),
    ),
    "first_contact": Action(DatedForm, _report("first_contact")),
    "help_started": Action(DatedForm, _report("help_started")),
    "reopen": Action(
        VersionedForm,
        lambda actor, referral, form: service.reopen(
            db.session, actor, referral, version=form.version.data
        ),
    ),
    "decline": Action(ReasonForm, _with_reason(service.decline)),
    "return": Action(ReasonForm, _with_reason(service.return_to_sender)),
    "withdraw": Action(ReasonForm, _with_reason(service.withdraw)),
    "help_ended": Action(
        OutcomeForm,
        lambda actor, referral, form: service.report(
            db.session,
            actor,
            referral,
            "help_ended",
            outcome=form.outcome.data,
            version=form.version.data,
        ),
    ),
    "escalate": Action(
        EscalateForm,
        lambda actor, referral, form: service.escalate(
            db.session,
            actor,
            referral,
            recipient_org_id=form.recipient.data,
            note=form.note.data,
            version=form.version.data,
        ),
    ),
}


def _inbox_query(view: str, organisation_id: int | None):
    query = select(Referral)
    if view == "wachtend":
        return query.where(Referral.recipient_org_id == organisation_id, Referral.status == "sent")
    if view == "lopend":
        return query.where(
            Referral.recipient_org_id == organisation_id,
            Referral.status.in_(("accepted", "in_progress")),
        )
    if view == "afgerond":
        since = utcnow() - timedelta(days=90)
        return query.where(
            Referral.recipient_org_id == organisation_id,
            Referral.status.in_(CLOSED),
            Referral.closed_at >= since,
        )
    return query.where(Referral.sender_org_id == organisation_id)


@bp.get("/overdrachten")
@casework
def inbox():
    actor = current_actor()
    view = request.args.get("weergave", "wachtend")
    if view not in VIEWS:
        abort(404)
    after = query_int(request.args, "na")
    query = _inbox_query(view, actor.organisation_id)
    if after:
        query = query.where(Referral.id < after)
    # The rows show each case's reference: load those in one query, not one per row.
    with_cases = selectinload(Referral.case).load_only(Case.id, Case.reference)
    query = query.options(with_cases).order_by(Referral.id.desc()).limit(PAGE_SIZE + 1)
    rows = db.session.scalars(query).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context = {
        "view": view,
        "views": VIEWS,
        "rows": rows,
        # What the sender may learn of its early signals (the municipality's work aside).
        "feedback": feedback_for(db.session, rows) if view == "verstuurd" else {},
        "after": after,
        "next_after": rows[-1].id if more else None,
        "now": utcnow(),
        "covenant": active_covenant(db.session),
    }
    return page_or_fragment("handover/inbox.html", "handover/_rows.html", **context)


def _recipient_choices(step: service.Proposal | None) -> list[SelectChoice]:
    """Who the case can be escalated to: the partners on the ladder's next rung."""
    return [SelectChoice(o.id, o.name) for o in step.recipients] if step else []


def _forms(
    referral: Referral, step: service.Proposal | None, failed: tuple[str, Any] | None = None
) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, action in ACTIONS.items():
        if failed and failed[0] == name:
            forms[name] = failed[1]
            continue
        forms[name] = action.form(prefix=name, formdata=None, version=referral.version)
    forms["escalate"].recipient.choices = _recipient_choices(step)
    return forms


def _check_prefix(key: tuple[str, int]) -> str:
    return f"check-{key[0]}-{key[1]}"


def _detail_context(
    referral: Referral,
    failed: tuple[str, object] | None = None,
    failed_check: tuple[tuple[str, int], CheckForm] | None = None,
) -> dict:
    actor = current_actor()
    case = referral.case
    fields: dict = dict.fromkeys(case.persons, REFERRAL_PERSON_FIELDS)
    fields[case] = ("arrears_cents",)
    fields[referral] = ("note",)
    for event in referral.events:
        fields[event] = ("reason",)
    # The groundwork in the package: recorded once by the sender, never retyped.
    groundwork = groundwork_items(db.session, case, set(referral.categories))
    for items in groundwork.values():
        for item in items:
            fields[item] = tuple(type(item).__categories__)
    checks = service.item_checks(db.session, case)
    for found in checks.values():
        fields.update((check, ("note",)) for check in found if check.note is not None)
    # Why the previous partner gave the case back (or declined it): the next partner needs
    # it, so it reads the reason as part of the package (identity, like every reason).
    previous = referral.previous
    why_back = None
    if previous is not None:
        why_back = next(
            (e for e in reversed(previous.events) if e.kind in ("return", "decline")), None
        )
        if why_back is not None:
            fields[why_back] = ("reason",)
    # Where the case went next, for the parties of that referral only (another partner's
    # involvement is not everyone's to know: the covenant's visibility).
    following = db.session.scalar(
        select(Referral)
        .where(Referral.previous_id == referral.id)
        .options(joinedload(Referral.recipient), selectinload(Referral.events))
    )
    if following is not None and actor.organisation_id not in (
        following.sender_org_id,
        following.recipient_org_id,
    ):
        following = None
    # Her own words, when the package includes them: the receiver hears her, not only us.
    says = says_of(db.session, case) if TENANT_INPUT in referral.categories else []
    fields.update((say, ("text", "answer")) for say in says)
    shown = reveal(db.session, actor, case, fields, purpose=referral.purpose)
    is_sender = actor.organisation_id == referral.sender_org_id
    is_recipient = actor.organisation_id == referral.recipient_org_id
    # What the receiver can check now: the items of the package it can see.
    check_forms = {}
    if is_recipient and referral.status in ("accepted", "in_progress"):
        keys = [(ARREARS_ITEM, case.id)] + [
            (item.__item_type__, item.id) for items in groundwork.values() for item in items
        ]
        for key in keys:
            category = service.ITEM_CATEGORIES[key[0]]
            if category in referral.categories and shown.allowed(category):
                check_forms[key] = CheckForm(prefix=_check_prefix(key), formdata=None)
        if failed_check is not None:
            check_forms[failed_check[0]] = failed_check[1]
    # The next rung, weighed once for the notice and the escalation form.
    step = service.next_step(db.session, referral)
    signal = db.session.scalar(select(EarlySignal).where(EarlySignal.referral_id == referral.id))
    feedback = (
        sender_feedback(signal)
        if signal is not None and is_sender and referral.status in FEEDBACK_STATUSES
        else None
    )
    decisions = (
        decide(db.session, actor, case, referral.categories)
        if is_recipient and referral.active
        else {}
    )
    withheld = [c for c in referral.categories if c in decisions and not decisions[c].allowed]
    contact = decisions.get(ContactAttempt.__category__)
    return {
        "referral": referral,
        "case": case,
        "shown": shown,
        "groundwork": groundwork,
        "said": said(says, shown, organisation_names(db.session, says)),
        "why_back": why_back,
        "following": following,
        "may_open_previous": previous is not None
        and actor.organisation_id in (previous.sender_org_id, previous.recipient_org_id),
        "checks": checks,
        "check_forms": check_forms,
        "failed_check": failed_check[0] if failed_check else None,
        "withheld": withheld,
        "covenant": active_covenant(db.session),
        "is_recipient": is_recipient,
        "is_sender": is_sender,
        # She is reached through a contact attempt on the case, when the package lets the
        # receiver keep the contact history; otherwise the receiver reports the day itself.
        "may_record_contact": referral.status == "accepted"
        and contact is not None
        and contact.allowed,
        # An early signal: its sender sees only the permitted feedback, its recipient works
        # it on the signal case's page.
        "feedback": feedback,
        "signal": signal if is_recipient else None,
        "next_step": step if is_sender else None,
        "now": utcnow(),
        "forms": _forms(referral, step, failed),
        "failed": failed[0] if failed else None,
    }


def _detail_page(referral: Referral, status: int = 200, **failed: Any) -> tuple[str, int]:
    """The referral's page (with a failed form shown again, 400); its access is audited."""
    context = _detail_context(referral, **failed)
    if "failed_check" in failed and failed["failed_check"][0] not in context["check_forms"]:
        abort(404)  # an item the receiver cannot check looks like a missing one
    page = render_template("handover/detail.html", **context)
    db.session.commit()  # the access was audited
    return page, status


@bp.get("/overdrachten/<int:referral_id>")
@casework
def detail(referral_id: int):
    return _detail_page(load_referral(db.session, current_actor(), referral_id, *PAGE_LOADS))


def _flash_refusal(outcome: Outcome) -> None:
    """A refused transition: someone else was first (a warning), or a rule said no."""
    flash(outcome.message, "warning" if outcome.conflict else "error")


@bp.post(f"/overdrachten/<int:referral_id>/<any({', '.join(ACTIONS)}):action>")
@casework
def act(referral_id: int, action: str):
    """Run one transition from a posted form; show the page again with the error if refused."""
    actor = current_actor()
    referral = load_referral(db.session, actor, referral_id)
    form = ACTIONS[action].form(prefix=action)
    if action == "escalate":
        form.recipient.choices = _recipient_choices(service.next_step(db.session, referral))
    outcome = submit(form, lambda: ACTIONS[action].run(actor, referral, form))
    if outcome.done:
        flash(_("Opgeslagen."), "ok")
        return redirect(url_for("handover.detail", referral_id=outcome.result.id))
    if outcome.refusal is None:
        referral = load_referral(db.session, actor, referral_id)
        return _detail_page(referral, 400, failed=(action, form))
    _flash_refusal(outcome)
    return redirect(url_for("handover.detail", referral_id=referral_id))


@bp.post("/overdrachten/<int:referral_id>/controle/<item_type>/<int:item_id>")
@casework
def check(referral_id: int, item_type: str, item_id: int):
    """The receiver marks one groundwork item of the package as verified or disputed."""
    actor = current_actor()
    referral = load_referral(db.session, actor, referral_id)
    key = (item_type, item_id)
    form = CheckForm(prefix=_check_prefix(key))
    outcome = submit(
        form,
        lambda: service.check_item(
            db.session, actor, referral, item_type, item_id, form.status.data, form.note.data
        ),
    )
    if outcome.done:
        flash(_("Opgeslagen."), "ok")
        anchor = _check_prefix(key)
        return redirect(url_for("handover.detail", referral_id=referral_id, _anchor=anchor))
    if outcome.refusal is None:
        referral = load_referral(db.session, actor, referral_id)
        return _detail_page(referral, 400, failed_check=(key, form))
    flash(outcome.message, "error")
    return redirect(url_for("handover.detail", referral_id=referral_id))


def _purposes(covenant) -> list[tuple[str, str]]:
    from flask_babel import get_locale

    lang = str(get_locale())
    return [
        SelectChoice(code, p.name.get(lang)) for code, p in covenant.purposes.items() if p.ladder
    ]


def _suggested_purpose(covenant: Any, choices: list[SelectChoice]) -> str:
    """The purpose to propose first: the covenant's first one with a ladder that is not its
    early-signalling purpose (that report has its own page, "Melden bij de gemeente")."""
    offered = [c.value for c in choices]
    signalling = covenant.signalling.purpose if covenant.signalling is not None else None
    return next((code for code in offered if code != signalling), offered[0])


@bp.route("/casussen/<int:case_id>/overdragen", methods=["GET", "POST"])
@casework
def send(case_id: int):
    """From an open case to a sent referral: the portal proposes, the sender confirms."""
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    try:
        covenant = active_covenant(db.session)
    except NoActiveCovenant:
        heading = _("Casus %(ref)s overdragen", ref=case.reference)
        return render_template("covenant/required.html", heading=heading)
    form = SendForm()
    form.purpose.choices = _purposes(covenant)
    if not form.purpose.choices:
        raise DomainError(_("Het convenant kent geen overdracht."))
    purpose = request.values.get("purpose") or _suggested_purpose(covenant, form.purpose.choices)
    if purpose not in {c.value for c in form.purpose.choices}:
        abort(404)
    form.purpose.data = purpose
    # A later step of the ladder chosen on purpose (the police on nuisance, ``?stap=2``).
    steps = max(len(covenant.ladder(purpose)), 1)
    rung = query_int(request.args, "stap", default=1, low=1, high=steps) - 1
    proposal = service.propose(db.session, case, purpose, rung=rung)
    form.recipient.choices = [SelectChoice(o.id, o.name) for o in proposal.recipients]
    action = request.form.get("action") if request.method == "POST" else None
    if action == "ask_consent" and form.validate():
        try:
            _req, channel = service.ask_consent(
                db.session,
                actor,
                case,
                purpose=purpose,
                recipient_org_id=form.recipient.data,
                link_for=consent_service.tenant_link,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Toestemming gevraagd (%(channel)s). Zodra de huurder toestemt, gaan die "
                    "gegevens mee.",
                    channel=CHANNEL_LABELS[channel],
                ),
                "ok",
            )
        return redirect(url_for("handover.send", case_id=case.id, purpose=purpose))
    if action == "send" and form.validate():
        try:
            referral = service.send(
                db.session,
                actor,
                case,
                purpose=purpose,
                recipient_org_id=form.recipient.data,
                note=form.note.data,
                rung=rung,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("De casus is overgedragen."), "ok")
            return redirect(url_for("handover.detail", referral_id=referral.id))
    status = 400 if action == "send" else 200
    recipient = form.recipient.data or (proposal.recipients[0].id if proposal.recipients else None)
    pending = (
        consent_service.pending_request(db.session, case, purpose, recipient)
        if recipient is not None and proposal.missing_consent
        else None
    )
    # What the tenant declined or withdrew is shown as her answer, with its date, and is not
    # asked again in one click (asking again takes the consent form and a reason).
    found = (
        consent_service.refusals(db.session, case, purpose, proposal.recipient_role, recipient)
        if recipient is not None and proposal.missing_consent
        else {}
    )
    refused = {c: found[c] for c in proposal.missing_consent if c in found}
    return render_template(
        "handover/send.html",
        case=case,
        form=form,
        proposal=proposal,
        covenant=covenant,
        pending=pending,
        refused=refused,
        askable=[c for c in proposal.missing_consent if c not in refused],
    ), status


@bp.get("/casussen/<int:case_id>/overdrachten")
@casework
def for_case(case_id: int):
    """The referrals of one case that the user's organisation is party to (a case-page panel)."""
    actor = current_actor()
    case = load_case(db.session, actor, case_id)
    rows = db.session.scalars(
        select(Referral)
        .where(Referral.case_id == case.id, visible_referrals(actor))
        .order_by(Referral.id.desc())
    ).all()
    sent = [r for r in rows if r.sender_org_id == actor.organisation_id]
    return page_or_fragment(
        "layouts/panel_page.html",
        "handover/_case_panel.html",
        panel_template="handover/_case_panel.html",
        panel_title=_("Overdrachten"),
        case=case,
        rows=rows,
        active=ACTIVE,
        feedback=feedback_for(db.session, sent),
        covenant=active_version(db.session) and active_covenant(db.session),
        now=utcnow(),
        can_send=case.organisation_id == actor.organisation_id,
    )
