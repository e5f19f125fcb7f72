"""The municipality's early-signalling pages: the inbox (crisis signals and warm handovers
first, then by deadline) and one signal case with its contact attempts, outcome and the step
to debt help. Only the organisation the signals were sent to reaches them (others: 404)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import literal, select, tuple_
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from handover import service as referrals
from handover.earlysignal import monitor, policy, service
from handover.earlysignal.forms import (
    AttemptForm,
    DebtHelpForm,
    MonitorForm,
    OutcomeForm,
    PickUpForm,
)
from handover.earlysignal.labels import ATTEMPT_KIND_LABELS, DAY_PART_LABELS, OUTCOME_LABELS
from handover.earlysignal.models import NOT_PICKED_UP, EarlySignal
from handover.models import Referral
from portal.access import casework
from portal.actor import Actor, current_actor
from portal.cases.models import Case
from portal.covenant.rules import active_covenant
from portal.db import utcnow
from portal.extensions import db
from portal.numbers import MAX_ID
from portal.web import page_or_fragment, submit
from portal.workdays import local_date, working_days_between

bp = Blueprint("earlysignal", __name__)

PAGE_SIZE = 25
#: The inbox's keyset cursor: priority, deadline and id of the last row shown.
_CURSOR = re.compile(r"^([01])-(\d{8})-(\d{1,10})$", re.ASCII)


def deadline_words(due: date, today: date) -> str:
    """How much time is left, in working days, or how late (in days)."""
    if due == today:
        return _("vandaag")
    if due > today:
        n = working_days_between(today, due)
        return ngettext("nog %(num)s werkdag", "nog %(num)s werkdagen", n)
    late = (today - due).days
    return ngettext("%(num)s dag te laat", "%(num)s dagen te laat", late)


def _cursor(signal: EarlySignal) -> str:
    return f"{signal.priority}-{signal.due_on:%Y%m%d}-{signal.id}"


def _parse_cursor(value: str | None) -> tuple[int, date, int] | None:
    """The cursor from the query string; anything malformed is the first page."""
    match = _CURSOR.match(value or "")
    if match is None:
        return None
    try:
        day = date(int(match[2][:4]), int(match[2][4:6]), int(match[2][6:]))
    except ValueError:
        return None
    ident = int(match[3])
    return (int(match[1]), day, ident) if 1 <= ident <= MAX_ID else None


@bp.get("/vroegsignalen")
@casework
def inbox():
    """Open signals sent to the user's organisation: keyset pages on ``ix_early_signal_inbox``."""
    actor = current_actor()
    after = _parse_cursor(request.args.get("na"))
    query = select(EarlySignal).where(policy.visible_signals(actor), EarlySignal.closed.is_(False))
    if after is not None:
        query = query.where(
            tuple_(EarlySignal.priority, EarlySignal.due_on, EarlySignal.id)
            > tuple_(*(literal(value) for value in after))
        )
    with_case = (
        joinedload(EarlySignal.referral)
        .load_only(Referral.id, Referral.case_id)
        .joinedload(Referral.case)
        .load_only(Case.id, Case.reference)
    )
    query = (
        query.options(with_case)
        .order_by(EarlySignal.priority, EarlySignal.due_on, EarlySignal.id)
        .limit(PAGE_SIZE + 1)
    )
    rows = db.session.scalars(query).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    today = local_date(utcnow())
    return page_or_fragment(
        "earlysignal/inbox.html",
        "earlysignal/_rows.html",
        rows=rows,
        today=today,
        words=deadline_words,
        first_page=after is None,
        next_after=_cursor(rows[-1]) if more else None,
    )


@bp.get("/vroegsignalen/monitor")
@casework
def monitor_export():
    """The period's signals for the national monitor, as JSON or CSV (``monitor``); the form
    again, with what to correct, until the period is valid."""
    form = MonitorForm(request.args)
    if not request.args or not form.validate():
        status = 400 if request.args else 200
        response = page_or_fragment(
            "earlysignal/monitor.html", "earlysignal/monitor.html", form=form
        )
        response.status_code = status
        return response
    actor = current_actor()
    doc = monitor.document(db.session, actor, form.van.data, form.tot.data, now=utcnow())
    db.session.commit()  # the look at the signals was audited
    name = f"vroegsignalering-monitor-{form.van.data:%Y%m%d}-{form.tot.data:%Y%m%d}"
    if form.formaat.data == "csv":
        body, mimetype, name = monitor.as_csv(doc), "text/csv", f"{name}.csv"
    else:
        body = json.dumps(doc, ensure_ascii=False, indent=2)
        mimetype, name = "application/json", f"{name}.json"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- one signal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form: type[Any]
    run: Callable[[Actor, EarlySignal, Any], Any]


def _attempt(actor: Actor, signal: EarlySignal, form: AttemptForm) -> Any:
    data = service.AttemptData(
        kind=form.kind.data,
        reached=form.reached.data == "yes",
        attempted_on=form.attempted_on.data,
        day_part=form.day_part.data or None,
        at=form.at.data,
    )
    return service.record_attempt(db.session, actor, signal, data)


ACTIONS: dict[str, Action] = {
    "oppakken": Action(
        PickUpForm,
        lambda actor, signal, form: service.pick_up(
            db.session, actor, signal, on=form.picked_up_on.data, version=form.version.data
        ),
    ),
    "contactpoging": Action(AttemptForm, _attempt),
    "uitkomst": Action(
        OutcomeForm,
        lambda actor, signal, form: service.record_outcome(
            db.session,
            actor,
            signal,
            form.outcome.data,
            form.reason.data,
            on=form.outcome_on.data,
            version=form.version.data,
        ),
    ),
    "schuldhulp": Action(
        DebtHelpForm,
        lambda actor, signal, form: service.refer_to_debt_help(
            db.session,
            actor,
            signal,
            purpose=form.purpose.data,
            recipient_org_id=form.recipient.data,
            note=form.note.data,
            version=form.version.data,
        ),
    ),
}

PAGE_LOADS = (
    joinedload(EarlySignal.referral).joinedload(Referral.case),
    joinedload(EarlySignal.referral).joinedload(Referral.recipient),
    selectinload(EarlySignal.attempts),
)


def _debt_help_choices(signal: EarlySignal, form: DebtHelpForm) -> None:
    """The purposes a signal may continue under, and the partners on their first rung."""
    covenant = active_covenant(db.session)
    lang = str(get_locale())
    purposes = service.debt_help_purposes(db.session, signal)
    form.purpose.choices = [
        SelectChoice(code, covenant.purposes[code].name.get(lang)) for code in purposes
    ]
    recipients: dict[int, str] = {}
    for code in purposes:
        for org in referrals.propose(db.session, signal.referral.case, code).recipients:
            recipients[org.id] = org.name
    form.recipient.choices = [SelectChoice(i, name) for i, name in recipients.items()]


def _forms(signal: EarlySignal, failed: tuple[str, Any] | None) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, action in ACTIONS.items():
        if failed and failed[0] == name:
            forms[name] = failed[1]
        elif action.form is AttemptForm:
            forms[name] = AttemptForm(prefix=name, formdata=None)
        else:
            forms[name] = action.form(prefix=name, formdata=None, version=signal.version)
    if not (failed and failed[0] == "schuldhulp"):
        _debt_help_choices(signal, forms["schuldhulp"])
    if signal.picked_up:  # "not picked up" no longer fits: do not offer it, nor its hint
        outcome = forms["uitkomst"].outcome
        outcome.choices = [c for c in outcome.choices if c.value not in NOT_PICKED_UP]
        forms["uitkomst"].reason.description = _("Niet verplicht. De melder ziet deze reden nooit.")
    return forms


def _detail(signal: EarlySignal, status: int = 200, failed: tuple[str, Any] | None = None):
    actor = current_actor()
    fields: dict[Any, tuple[str, ...]] = dict.fromkeys(
        signal.attempts, ("kind", "reached", "attempted_on", "day_part")
    )
    if signal.reason is not None:
        fields[signal] = ("reason",)
    shown = policy.reveal_own(db.session, actor, signal, fields)
    response = page_or_fragment(
        "earlysignal/detail.html",
        "earlysignal/_signal.html",
        signal=signal,
        referral=signal.referral,
        shown=shown,
        forms=_forms(signal, failed),
        failed=failed[0] if failed else None,
        today=local_date(utcnow()),
        words=deadline_words,
        kind_labels=ATTEMPT_KIND_LABELS,
        day_part_labels=DAY_PART_LABELS,
        outcome_labels=OUTCOME_LABELS,
        open=not signal.closed and signal.referral.active,
    )
    db.session.commit()  # the look at the municipality's own records was audited
    response.status_code = status
    return response


@bp.get("/vroegsignalen/<int:referral_id>")
@casework
def detail(referral_id: int):
    return _detail(policy.load_signal(db.session, current_actor(), referral_id, *PAGE_LOADS))


@bp.post(f"/vroegsignalen/<int:referral_id>/<any({', '.join(ACTIONS)}):action>")
@casework
def act(referral_id: int, action: str):
    """One step from a posted form; the page again with the error when it is refused."""
    actor = current_actor()
    signal = policy.load_signal(db.session, actor, referral_id)
    form = ACTIONS[action].form(prefix=action)
    if action == "schuldhulp":
        _debt_help_choices(signal, form)
    outcome = submit(form, lambda: ACTIONS[action].run(actor, signal, form))
    if outcome.done:
        flash(_("Opgeslagen."), "ok")
        return redirect(url_for("earlysignal.detail", referral_id=referral_id))
    if outcome.refusal is None:
        signal = policy.load_signal(db.session, actor, referral_id, *PAGE_LOADS)
        return _detail(signal, 400, failed=(action, form))
    flash(outcome.message, "warning" if outcome.conflict else "error")
    return redirect(url_for("earlysignal.detail", referral_id=referral_id))
