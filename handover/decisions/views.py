"""Decision pages: open a decision from a case, the decision page, the list, and the PDF.

Every action posts a form; with htmx the changed section (checklist, or vote and outcome) is
swapped in place, without JavaScript the page reloads. Personal data is shown only through
the policy point (``reveal``), which audits what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import select
from wtforms import SelectChoice

from handover.decisions import labels, pdf, prevention, service
from handover.decisions.forms import (
    ConfirmStepForm,
    DissentForm,
    OpenDecisionForm,
    TenancyForm,
    TimelineForm,
    TrajectoryForm,
    VersionedForm,
    VoteForm,
    WithdrawForm,
)
from handover.decisions.models import Decision, DecisionTimelineEntry, DecisionVoter
from handover.decisions.policy import decisions_of_case, load_decision, visible_decisions
from portal.access import casework
from portal.accounts.models import Organisation
from portal.actor import Actor, current_actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.policy import load_case, load_own_case
from portal.covenant.rules import Covenant, active_covenant, active_version
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.sharing import Withheld, decide, reveal
from portal.web import is_htmx

bp = Blueprint("decisions", __name__)

#: What a decision shows of each household member: who and where, no BSN or contact details.
DECISION_PERSON_FIELDS = (
    "initials",
    "surname",
    "street",
    "house_number",
    "postcode",
    "city",
    "minor",
)


def _lang() -> str:
    return str(get_locale())


# --- the page's data ------------------------------------------------------------------------


@dataclass
class StepView:
    code: str
    name: str
    confirmation: Any
    items: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


def _evidence_kind_label(kind: str) -> str:
    labels = {
        "referrals": _("Overdrachten en hun uitkomst"),
        "crisis_involvement": _("Betrokkenheid van het crisisteam"),
        "household": _("Huishouden en minderjarigen"),
        "contact_attempts": _("Contactpogingen per kanaal"),
        "payment_arrangements": _("Betalingsregelingen"),
    }
    return labels.get(kind, kind)


def _checklist(
    decision: Decision, covenant: Covenant, actor: Actor
) -> tuple[list[StepView], list[str]]:
    """Each required step with its evidence (as confirmed, or live while unconfirmed)."""
    case = decision.case
    categories = {p.category for p in prevention.PROVIDERS}
    allowed = decide(db.session, actor, case, categories)
    shown_categories = sorted(c for c, d in allowed.items() if d.allowed)
    live: dict[str, list[prevention.Evidence]] | None = None
    steps = []
    for code in covenant.required_prevention_steps(decision.kind):
        confirmation = decision.confirmation(code)
        view = StepView(code, covenant.prevention_steps[code].get(_lang()), confirmation)
        if confirmation is not None:
            items = [prevention.Evidence.from_dict(d) for d in confirmation.evidence]
        else:
            if live is None:
                live = prevention.collect(db.session, case, covenant, decision)
            items = prevention.for_step(covenant, code, live)
        for kind in prevention.kinds_for(covenant, code):
            provider = prevention.provider_for(kind)
            if provider is None:
                view.gaps.append(_evidence_kind_label(kind))
                continue
            verdict = allowed[provider.category]
            if not verdict.allowed:
                withheld = Withheld(provider.category, verdict.reason or "not_shared")
                view.withheld.append(f"{_evidence_kind_label(kind)}: {withheld}")
                continue
            of_kind = [
                e
                for e in items
                if e.kind == kind
                and prevention.visible(e, covenant, actor.organisation_id, decision.organisation_id)
            ]
            if not of_kind:
                view.gaps.append(_evidence_kind_label(kind))
            view.items.extend(prevention.describe(e, covenant) for e in of_kind)
        steps.append(view)
    return steps, shown_categories


def _timeline(case: Case) -> list[DecisionTimelineEntry]:
    return list(
        db.session.scalars(
            select(DecisionTimelineEntry)
            .where(DecisionTimelineEntry.case_id == case.id)
            .order_by(DecisionTimelineEntry.happens_on, DecisionTimelineEntry.id)
        )
    )


def _forms(decision: Decision, covenant: Covenant, failed: dict[str, Any]) -> dict[str, Any]:
    voter = decision.voter_for(current_actor().organisation_id)
    forms: dict[str, Any] = {}
    for step in covenant.required_prevention_steps(decision.kind):
        key = f"step-{step}"
        forms[key] = failed.get(key) or ConfirmStepForm(
            prefix=key, formdata=None, version=decision.version
        )
    kinds = service.trajectory_kinds(covenant, decision)
    trajectory = decision.trajectory
    forms["trajectory"] = failed.get("trajectory") or TrajectoryForm(
        prefix="trajectory",
        formdata=None,
        version=decision.version,
        kind=trajectory.kind if trajectory else (kinds[0] if kinds else None),
        months=trajectory.months
        if trajectory
        else (covenant.decision(kinds[0]).min_months if kinds else None),
    )
    forms["trajectory"].kind.choices = [
        SelectChoice(k, covenant.decision(k).name.get(_lang())) for k in kinds
    ]
    forms["open_voting"] = failed.get("open_voting") or VersionedForm(
        prefix="open", formdata=None, version=decision.version
    )
    forms["withdraw"] = failed.get("withdraw") or WithdrawForm(
        prefix="withdraw", formdata=None, version=decision.version
    )
    forms["vote"] = failed.get("vote") or VoteForm(
        prefix="vote", formdata=None, voter_version=voter.version if voter else 0
    )
    forms["dissent"] = failed.get("dissent") or DissentForm(prefix="dissent", formdata=None)
    forms["timeline"] = failed.get("timeline") or TimelineForm(prefix="timeline", formdata=None)
    forms["tenancy"] = failed.get("tenancy") or TenancyForm(prefix="tenancy", formdata=None)
    return forms


def _context(
    decision: Decision,
    *,
    action: str = "decision.view",
    failed: dict[str, Any] | None = None,
    error: str | None = None,
    error_section: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    actor = current_actor()
    case = decision.case
    covenant = service.covenant_for(db.session, decision)
    timeline = _timeline(case)
    fields: dict[Any, tuple[str, ...]] = dict.fromkeys(case.persons, DECISION_PERSON_FIELDS)
    fields[case] = ("arrears_cents",)
    fields[decision] = ("motivation", "withdrawn_reason")
    for c in decision.confirmations:
        fields[c] = ("motivation",)
    for vote in decision.votes:
        fields[vote] = ("motivation",)
    for dissent in decision.dissents:
        fields[dissent] = ("text",)
    for entry in timeline:
        fields[entry] = ("note",)
    if decision.trajectory is not None:
        fields[decision.trajectory] = ("conditions", "support_agreement", "tenancy_note")
    shown = reveal(db.session, actor, case, fields, action=action, purpose=decision.purpose)
    steps, evidence_categories = _checklist(decision, covenant, actor)
    if evidence_categories:
        record(
            db.session,
            actor,
            f"{action}.evidence",
            case_id=case.id,
            categories=evidence_categories,
            detail={"decision": decision.id},
        )
    voter = decision.voter_for(actor.organisation_id)
    is_owner = actor.organisation_id == decision.organisation_id
    now = utcnow()
    seal_check = service.verify_seal(db.session, decision) if decision.is_sealed else None
    return {
        "decision": decision,
        "case": case,
        "covenant": covenant,
        "rule_name": labels.RULES.get(decision.rule),
        "rule_explanation": labels.RULE_EXPLANATIONS.get(decision.rule),
        "definition": covenant.decision(decision.kind),
        "voting": covenant.voters(decision.kind, minors_present=decision.minors_present),
        "shown": shown,
        "steps": steps,
        "open_items": service.open_items(db.session, decision)
        if decision.status == "preparing"
        else [],
        "timeline": timeline,
        "texts": labels,
        "voter": voter,
        "is_owner": is_owner,
        "can_vote": voter is not None
        and decision.status == "voting"
        and (decision.deadline_at is None or now < decision.deadline_at),
        "can_dissent": decision.status == "decided"
        and service.outvoted(decision, actor.organisation_id),
        "can_prepare": is_owner and decision.status == "preparing",
        "trajectory_kinds": service.trajectory_kinds(covenant, decision),
        "can_timeline": decision.status != "withdrawn"
        and service.may_use_timeline(actor, decision),
        "can_tenancy": is_owner
        and decision.trajectory is not None
        and decision.trajectory.status == "active"
        and decision.trajectory.tenancy_signed_on is None,
        "votes_of": {
            v.id: [x for x in decision.votes if x.voter_id == v.id] for v in decision.voters
        },
        "now": now,
        "seal_check": seal_check,
        "forms": _forms(decision, covenant, failed or {}),
        "error": error,
        "error_section": error_section,
        "notice": notice,
        "viewer_organisation": db.session.get(Organisation, actor.organisation_id).name
        if actor.organisation_id
        else "",
    }


# --- pages ----------------------------------------------------------------------------------


@bp.get("/besluiten")
@casework
def index():
    """The decisions of the user's organisation: open ones that need our vote first."""
    actor = current_actor()
    mine = (
        select(DecisionVoter.position)
        .where(
            DecisionVoter.decision_id == Decision.id,
            DecisionVoter.organisation_id == actor.organisation_id,
        )
        .correlate(Decision)
        .scalar_subquery()
    )
    needs_vote = sql_case(
        (
            (Decision.status == "voting")
            & Decision.id.in_(
                select(DecisionVoter.decision_id).where(
                    DecisionVoter.organisation_id == actor.organisation_id,
                    DecisionVoter.position.is_(None),
                )
            ),
            0,
        ),
        (Decision.status == "voting", 1),
        (Decision.status == "preparing", 2),
        (Decision.status == "decided", 3),
        else_=4,
    )
    rows = db.session.execute(
        select(Decision, mine, needs_vote)
        .where(visible_decisions(actor))
        .order_by(needs_vote, Decision.deadline_at, Decision.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "decisions/index.html",
        rows=rows,
        covenant=active_covenant(db.session),
        texts=labels,
        now=utcnow(),
    )


@bp.get("/casussen/<int:case_id>/besluiten")
@casework
def for_case(case_id: int):
    """The decisions of one case (a case-page panel), with their PDFs once sealed."""
    actor = current_actor()
    case = load_case(db.session, actor, case_id)
    return (
        render_template(
            "decisions/_case_panel.html",
            case=case,
            rows=decisions_of_case(db.session, actor, case),
            covenant=active_version(db.session) and active_covenant(db.session),
            texts=labels,
            can_open=case.organisation_id == actor.organisation_id,
        ),
        200,
        {"Vary": "HX-Request"},
    )


@bp.route("/casussen/<int:case_id>/besluiten/nieuw", methods=["GET", "POST"])
@casework
def new(case_id: int):
    """The owning organisation opens a decision on its case."""
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    if active_version(db.session) is None:
        heading = _("Gezamenlijk besluit openen")
        return render_template("covenant/required.html", heading=heading)
    covenant = active_covenant(db.session)
    form = OpenDecisionForm()
    form.kind.choices = [
        SelectChoice(code, d.name.get(_lang())) for code, d in covenant.decisions.items()
    ]
    error = None
    if request.method == "POST":
        if form.validate():
            try:
                decision = service.open_decision(
                    db.session,
                    actor,
                    case,
                    kind=form.kind.data,
                    grounds=form.grounds.data or [],
                    court_status=form.court_status.data,
                    judgment_date=form.judgment_date.data,
                    motivation=form.motivation.data,
                )
            except DomainError as exc:
                db.session.rollback()
                error = str(exc.message or _("Dit kan niet."))
            else:
                db.session.commit()
                flash(_("Het besluit is geopend. Bevestig nu de preventiestappen."), "ok")
                return redirect(url_for("decisions.detail", decision_id=decision.id))
        case = load_case(db.session, actor, case_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "decisions/new.html", case=case, form=form, covenant=covenant, error=error, texts=labels
    ), status


@bp.get("/besluiten/<int:decision_id>")
@casework
def detail(decision_id: int):
    decision = load_decision(db.session, current_actor(), decision_id)
    page = render_template("decisions/detail.html", **_context(decision))
    db.session.commit()  # the access was audited
    return page, 200, {"Vary": "HX-Request"}


@bp.get("/besluiten/<int:decision_id>/besluit.pdf")
@casework
def document(decision_id: int):
    """The sealed decision record as a PDF, for the case file and the court dossier.

    Regenerated from the sealed rows (which cannot change) for the reader, through the policy
    point: what the reader may not see is shown as withheld, and the seal hash is printed so
    the record can be checked against the audit log.
    """
    decision = load_decision(db.session, current_actor(), decision_id)
    if not decision.is_sealed:
        abort(404)
    context = _context(decision, action="decision.pdf")
    body = pdf.render(context)
    db.session.commit()  # the access was audited
    name = f"besluit-{decision.case.reference}-{decision.id}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- actions --------------------------------------------------------------------------------

#: Which section of the page an action changes (the htmx fragment).
SECTIONS = {"checklist": "decisions/_checklist.html", "vote": "decisions/_vote.html"}


def _act(
    decision_id: int,
    key: str,
    form_factory: Callable[[Decision], Any],
    run: Callable[[Decision, Any, Actor], Any],
    *,
    section: str | None,
    anchor: str,
):
    """Validate a posted form, run one service call, commit; answer with the section (htmx)
    or the page. A refusal shows the page (or section) again with the message."""
    actor = current_actor()
    decision = load_decision(db.session, actor, decision_id)
    form = form_factory(decision)
    error: str | None = None
    notice: str | None = None
    status = 200
    if form.validate_on_submit():
        try:
            run(decision, form, actor)
        except DomainError as exc:
            db.session.rollback()
            status = exc.status if exc.status in (403, 404, 409) else 400
            if status in (403, 404):
                raise
            error = str(exc.message or _("Dit kan niet."))
        else:
            db.session.commit()
            if not (is_htmx() and section):
                flash(_("Opgeslagen."), "ok")
                return redirect(url_for("decisions.detail", decision_id=decision_id) + anchor)
            notice = _("Opgeslagen.")
    else:
        db.session.rollback()
        status = 400
    decision = load_decision(db.session, actor, decision_id)
    failed = {key: form} if error is None and status == 400 else {}
    context = _context(decision, failed=failed, error=error, error_section=key, notice=notice)
    if is_htmx() and section:
        # htmx swaps only successful answers: the fragment carries its own message.
        page = render_template(SECTIONS[section], partial=True, **context)
        status = 200
    else:
        page = render_template("decisions/detail.html", **context)
    db.session.commit()  # the access was audited
    return page, status, {"Vary": "HX-Request"}


@bp.post("/besluiten/<int:decision_id>/preventie/<step>")
@casework
def confirm(decision_id: int, step: str):
    key = f"step-{step}"

    def run(decision, form, actor):
        service.confirm_step(
            db.session, actor, decision, step, form.motivation.data, version=form.version.data
        )

    return _act(
        decision_id,
        key,
        lambda d: ConfirmStepForm(prefix=key),
        run,
        section="checklist",
        anchor="#decision-checklist",
    )


@bp.post("/besluiten/<int:decision_id>/traject")
@casework
def trajectory(decision_id: int):
    def make(decision):
        form = TrajectoryForm(prefix="trajectory")
        covenant = service.covenant_for(db.session, decision)
        form.kind.choices = [
            SelectChoice(k, k) for k in service.trajectory_kinds(covenant, decision)
        ]
        return form

    def run(decision, form, actor):
        service.prepare_trajectory(
            db.session,
            actor,
            decision,
            kind=form.kind.data,
            months=form.months.data,
            conditions=form.conditions.data,
            support_agreement=form.support_agreement.data,
            version=form.version.data,
        )

    return _act(
        decision_id, "trajectory", make, run, section="checklist", anchor="#decision-checklist"
    )


@bp.post("/besluiten/<int:decision_id>/stemming-openen")
@casework
def open_voting(decision_id: int):
    def run(decision, form, actor):
        service.open_voting(db.session, actor, decision, version=form.version.data)

    return _act(
        decision_id,
        "open_voting",
        lambda d: VersionedForm(prefix="open"),
        run,
        section=None,
        anchor="#decision-vote",
    )


@bp.post("/besluiten/<int:decision_id>/stem")
@casework
def vote(decision_id: int):
    def run(decision, form, actor):
        service.cast_vote(
            db.session,
            actor,
            decision,
            position=form.position.data,
            motivation=form.motivation.data,
            conflict_of_interest=bool(form.conflict_of_interest.data),
            voter_version=form.voter_version.data,
        )

    return _act(
        decision_id,
        "vote",
        lambda d: VoteForm(prefix="vote"),
        run,
        section="vote",
        anchor="#decision-vote",
    )


@bp.post("/besluiten/<int:decision_id>/afwijkend-standpunt")
@casework
def dissent(decision_id: int):
    def run(decision, form, actor):
        service.add_dissent(db.session, actor, decision, form.text.data)

    return _act(
        decision_id,
        "dissent",
        lambda d: DissentForm(prefix="dissent"),
        run,
        section="vote",
        anchor="#decision-vote",
    )


@bp.post("/besluiten/<int:decision_id>/tijdlijn")
@casework
def timeline(decision_id: int):
    def run(decision, form, actor):
        service.add_timeline_entry(
            db.session,
            actor,
            decision,
            kind=form.kind.data,
            happens_on=form.happens_on.data,
            note=form.note.data,
        )

    return _act(
        decision_id,
        "timeline",
        lambda d: TimelineForm(prefix="timeline"),
        run,
        section=None,
        anchor="#decision-timeline",
    )


@bp.post("/besluiten/<int:decision_id>/huurovereenkomst")
@casework
def tenancy(decision_id: int):
    def run(decision, form, actor):
        service.record_tenancy_agreement(
            db.session, actor, decision, signed_on=form.signed_on.data, note=form.note.data
        )

    return _act(
        decision_id,
        "tenancy",
        lambda d: TenancyForm(prefix="tenancy"),
        run,
        section=None,
        anchor="#decision-outcome",
    )


@bp.post("/besluiten/<int:decision_id>/intrekken")
@casework
def withdraw(decision_id: int):
    def run(decision, form, actor):
        service.withdraw(db.session, actor, decision, form.reason.data, version=form.version.data)

    return _act(
        decision_id,
        "withdraw",
        lambda d: WithdrawForm(prefix="withdraw"),
        run,
        section=None,
        anchor="",
    )
