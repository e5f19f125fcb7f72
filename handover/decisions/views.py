"""Decision pages: open a decision from a case, the decision page, the list, and the PDF.

Every action posts a form; with htmx the changed section (checklist, or vote and outcome) is
swapped in place, without JavaScript the page reloads. Personal data is shown only through
the policy point (``reveal``), which audits what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import select
from wtforms import SelectChoice

from handover.decisions import labels, page, pdf, service
from handover.decisions.forms import (
    BailiffForm,
    ConfirmStepForm,
    DissentForm,
    HearingForm,
    OpenDecisionForm,
    TenancyForm,
    TimelineForm,
    TrajectoryForm,
    VersionedForm,
    VoteForm,
    WithdrawForm,
)
from handover.decisions.models import Decision, DecisionVoter
from handover.decisions.policy import decisions_of_case, load_decision, visible_decisions
from portal.access import casework
from portal.actor import Actor, current_actor
from portal.cases.policy import load_case, load_own_case
from portal.covenant.rules import active_covenant, active_version
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.web import is_htmx, out_of_band, page_or_fragment, submit

bp = Blueprint("decisions", __name__)


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
    return page_or_fragment(
        "layouts/panel_page.html",
        "decisions/_case_panel.html",
        panel_template="decisions/_case_panel.html",
        panel_title=_("Gezamenlijke besluiten"),
        case=case,
        rows=decisions_of_case(db.session, actor, case),
        covenant=active_version(db.session) and active_covenant(db.session),
        texts=labels,
        can_open=case.organisation_id == actor.organisation_id,
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
        SelectChoice(code, d.name.get(page.lang())) for code, d in covenant.decisions.items()
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
    body = render_template("decisions/detail.html", **page.context(decision, current_actor()))
    db.session.commit()  # the access was audited
    return body, 200, {"Vary": "HX-Request"}


@bp.get("/besluiten/<int:decision_id>/besluit.pdf")
@casework
def document(decision_id: int):
    """The sealed decision record as a PDF, for the case file and the court dossier.

    Regenerated from the sealed rows (which cannot change) for the reader, through the policy
    point: what the reader may not see is shown as withheld, and the seal hash is printed so
    the record can be checked against the audit log.
    """
    actor = current_actor()
    decision = load_decision(db.session, actor, decision_id)
    if not decision.is_sealed:
        abort(404)
    context = page.context(decision, actor, action="decision.pdf")
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
#: The parts of the decision's page that follow any action in a section.
OOB_PARTS = ("decisions/_status.html", "decisions/_timeline.html", "decisions/_withdraw.html")


def _act(
    decision_id: int,
    key: str,
    form_factory: Callable[[Decision], Any],
    run: Callable[[Decision, Any, Actor], Any],
    *,
    section: str | None,
    anchor: str,
):
    """Submit a posted form to one service call; answer with the section (htmx) or the page.
    Invalid input or a refusal shows the page (or section) again with the errors or message."""
    actor = current_actor()
    decision = load_decision(db.session, actor, decision_id)
    form = form_factory(decision)
    outcome = submit(form, lambda: run(decision, form, actor))
    failed: dict[str, Any]
    if outcome.done and not (is_htmx() and section):
        flash(_("Opgeslagen."), "ok")
        return redirect(url_for("decisions.detail", decision_id=decision_id) + anchor)
    if outcome.done:
        status, failed, notice = 200, {}, _("Opgeslagen.")
    elif outcome.refusal is not None:
        status, failed, notice = (409 if outcome.refusal.status == 409 else 400), {}, None
    else:
        status, failed, notice = 400, {key: form}, None
    decision = load_decision(db.session, actor, decision_id)
    context = page.context(
        decision,
        actor,
        failed=failed,
        error=outcome.message or None,
        error_section=key,
        notice=notice,
    )
    if is_htmx() and section:
        # htmx swaps only successful answers: the fragment carries its own message, and
        # every other part an action can change comes along out of band (the status, the
        # timeline, the other section, whether it can still be withdrawn): nothing stale.
        others = [t for s, t in SECTIONS.items() if s != section]
        body = render_template(SECTIONS[section], partial=True, **context) + out_of_band(
            [*OOB_PARTS, *others], **context
        )
        status = 200
    else:
        body = render_template("decisions/detail.html", **context)
    db.session.commit()  # the access was audited
    return body, status, {"Vary": "HX-Request"}


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


@bp.post("/besluiten/<int:decision_id>/gehoord")
@casework
def hearing(decision_id: int):
    def run(decision, form, actor):
        service.record_hearing(
            db.session, actor, decision, form.how.data, form.note.data, version=form.version.data
        )

    return _act(
        decision_id,
        "hearing",
        lambda d: HearingForm(prefix="hearing"),
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


@bp.post("/besluiten/<int:decision_id>/deurwaarder")
@casework
def bailiff(decision_id: int):
    """The corporation records that it gave the bailiff the assignment (an approved eviction);
    a shelter hand-over that is not ready may hold it (the page says why)."""

    def run(decision, form, actor):
        service.record_bailiff_instructed(
            db.session, actor, decision, instructed_on=form.instructed_on.data
        )

    return _act(
        decision_id,
        "bailiff",
        lambda d: BailiffForm(prefix="bailiff"),
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
