"""The "Woonfraude" pages of a case, for its owner only: the investigations, one
investigation with its entries, evidence, outcome, subtenant and court files, and the
sealed court file's download. Thin: the rules are in ``service``, ``subtenant`` and
``courtfile``; every page and action answers "not found" to anyone but the owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from handover.fraud import courtfile, labels, page, policy, service, subtenant
from handover.fraud.forms import EntryForm, OpenForm, OutcomeForm, ReferForm, SubtenantForm
from handover.fraud.models import FraudInvestigation
from portal.access import casework
from portal.accounts.models import Organisation, User
from portal.actor import current_actor
from portal.attachments.forms import AttachmentForm, uploaded
from portal.cases.forms import ActionForm
from portal.cases.views.common import apply_error
from portal.extensions import db
from portal.web import Outcome, refusal_text, submit
from portal.workdays import local_today

bp = Blueprint("fraud", __name__)

BASE = "/casussen/<int:case_id>/woonfraude"
ONE = BASE + "/<int:investigation_id>"


def _texts() -> dict[str, Any]:
    return {
        "suspicions": labels.SUSPICION_LABELS,
        "suspicions_short": labels.SUSPICION_SHORT,
        "statuses": labels.STATUS_LABELS,
        "entry_kinds": labels.ENTRY_LABELS,
        "outcomes": labels.OUTCOME_LABELS,
    }


@bp.route(BASE, methods=["GET", "POST"])
@casework
def for_case(case_id: int):
    """The case's investigations, and the form to open one (a case-page tab)."""
    actor = current_actor()
    case = policy.load_case(db.session, actor, case_id)
    form = OpenForm() if _posted() else OpenForm(formdata=None, opened_on=local_today())
    status = 200
    if _posted():
        outcome = submit(
            form,
            lambda: service.open_investigation(
                db.session,
                actor,
                case,
                suspicion=form.suspicion.data or "",
                opened_on=form.opened_on.data,
                grounds=form.grounds.data,
            ),
        )
        if outcome.done:
            flash(_("Het woonfraudeonderzoek is geopend."), "ok")
            return _to(outcome.result)
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        status = 400
    found = service.of_case(db.session, case.id)
    running = [i for i in found if i.is_open]
    return render_template(
        "fraud/case.html", case=case, investigations=found, running=running, form=form,
        **_texts(),
    ), status  # fmt: skip


def _posted() -> bool:
    return request.method == "POST"


def _to(investigation: FraudInvestigation, anchor: str | None = None) -> BaseResponse:
    url = url_for(
        ".detail", case_id=investigation.case_id, investigation_id=investigation.id,
        _anchor=anchor,
    )  # fmt: skip
    return redirect(url, code=303)


@bp.get(ONE)
@casework
def detail(case_id: int, investigation_id: int):
    investigation = policy.load_investigation(
        db.session, current_actor(), case_id, investigation_id
    )
    return _page(investigation)


def _page(
    investigation: FraudInvestigation, status: int = 200, **forms: Any
) -> tuple[str, int, dict[str, str]]:
    """The investigation's page, with whichever form failed in ``forms``."""
    context = page.context(db.session, current_actor(), investigation, forms)
    body = render_template("fraud/detail.html", **context, **_texts())
    db.session.commit()  # the views were audited
    return body, status, {"Vary": "HX-Request"}


def _load(case_id: int, investigation_id: int) -> FraudInvestigation:
    return policy.load_investigation(db.session, current_actor(), case_id, investigation_id)


def _answer(
    investigation: FraudInvestigation,
    outcome: Outcome[Any],
    done: str | Callable[[Any], str],
    anchor: str,
    form_name: str,
    form: Any,
) -> Any:
    """After an action: the page at the part it changed, with ``done`` as the notice (a text,
    or made from the action's result); or the page again with the form's errors, status 400,
    nothing changed."""
    if outcome.done:
        flash(done(outcome.result) if callable(done) else done, "ok")
        return _to(investigation, anchor)
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    fresh = _load(investigation.case_id, investigation.id)
    return _page(fresh, 400, **{form_name: form})


@bp.post(ONE + "/verslag")
@casework
def add_entry(case_id: int, investigation_id: int):
    actor = current_actor()
    investigation = _load(case_id, investigation_id)
    form = EntryForm()
    outcome = submit(
        form,
        lambda: service.add_entry(
            db.session,
            actor,
            investigation,
            kind=form.kind.data or "",
            happened_on=form.happened_on.data,
            text=form.text.data,
            visitors=form.visitors.data,
        ),
    )
    return _answer(
        investigation,
        outcome,
        lambda result: _("%(what)s is vastgelegd.", what=labels.ENTRY_LABELS[result.kind]),
        "verloop",
        "entry_form",
        form,
    )


@bp.post(ONE + "/bijlagen")
@casework
def upload(case_id: int, investigation_id: int):
    actor = current_actor()
    investigation = _load(case_id, investigation_id)
    form = AttachmentForm()

    def add() -> Any:
        data, name = uploaded(form)
        return service.add_evidence(
            db.session, actor, investigation, data=data, filename=name,
            description=form.description.data,
        )  # fmt: skip

    outcome = submit(form, add)
    return _answer(
        investigation, outcome, _("De bijlage is toegevoegd."), "bewijs", "file_form", form
    )


@bp.post(ONE + "/uitkomst")
@casework
def outcome(case_id: int, investigation_id: int):
    actor = current_actor()
    investigation = _load(case_id, investigation_id)
    form = OutcomeForm()
    done = submit(
        form,
        lambda: service.record_outcome(
            db.session,
            actor,
            investigation,
            outcome=form.outcome.data or "",
            decided_on=form.decided_on.data,
            motivation=form.motivation.data,
        ),
    )
    return _answer(
        investigation,
        done,
        _("De uitkomst is vastgelegd. Het onderzoek is afgesloten."),
        "uitkomst",
        "outcome_form",
        form,
    )


@bp.post(ONE + "/onderhuurder")
@casework
def record_subtenant(case_id: int, investigation_id: int):
    actor = current_actor()
    investigation = _load(case_id, investigation_id)
    form = SubtenantForm()
    outcome = submit(
        form,
        lambda: service.record_subtenant(
            db.session,
            actor,
            investigation,
            surname=form.surname.data,
            initials=form.initials.data,
            phone=form.phone.data,
            email=form.email.data,
            note=form.note.data,
        ),
    )
    return _answer(
        investigation,
        outcome,
        _("De onderhuurder is vastgelegd."),
        "onderhuurder",
        "subtenant_form",
        form,
    )


@bp.post(ONE + "/onderhuurder/doorverwijzen")
@casework
def refer_subtenant(case_id: int, investigation_id: int):
    actor = current_actor()
    investigation = _load(case_id, investigation_id)
    form = ReferForm()
    form.help.choices = [(o.value, o.organisation.name) for o in subtenant.help_options(db.session)]

    def refer() -> subtenant.Referred:
        purpose, _sep, org = (form.help.data or "").partition(":")
        return subtenant.refer_subtenant(
            db.session, actor, investigation, purpose=purpose,
            recipient_org_id=int(org) if org.isdigit() else 0, note=form.note.data,
        )  # fmt: skip

    outcome = submit(form, refer)
    if outcome.done:
        referred = outcome.result
        if referred.referral is None:
            flash(
                _(
                    "Casus %(ref)s is geopend voor de onderhuurder. Voor deze hulp is eerst "
                    "toestemming van de onderhuurder nodig: vraag die hier.",
                    ref=referred.case.reference,
                ),
                "ok",
            )
            purpose = (form.help.data or "").partition(":")[0]
            return redirect(
                url_for("handover.send", case_id=referred.case.id, purpose=purpose), code=303
            )
        flash(
            _(
                "Casus %(ref)s is geopend voor de onderhuurder en doorverwezen.",
                ref=referred.case.reference,
            ),
            "ok",
        )
        return _to(investigation, "onderhuurder")
    if outcome.refusal is not None:
        apply_error(form, outcome.refusal)
    return _page(_load(case_id, investigation_id), 400, refer_form=form)


@bp.post(ONE + "/dossier")
@casework
def seal(case_id: int, investigation_id: int):
    """Assemble the court file as it stands and seal it as a new version."""
    actor = current_actor()
    investigation = _load(case_id, investigation_id)
    form = ActionForm()
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    organisation = db.session.get_one(Organisation, investigation.organisation_id)
    outcome = submit(
        form,
        lambda: courtfile.assemble(
            db.session,
            actor,
            investigation,
            by_name=user.display_name if user else "",
            organisation_name=organisation.name,
        ),
    )
    if outcome.done:
        flash(
            _(
                "Versie %(n)s van het dossier is samengesteld en verzegeld.",
                n=outcome.result.version,
            ),
            "ok",
        )
        return _to(investigation, "dossier")
    error = refusal_text(outcome.refusal) if outcome.refusal else _("Probeer het opnieuw.")
    return _page(_load(case_id, investigation_id), 400, seal_error=error)


@bp.get(ONE + "/dossier/versie-<int:version>.pdf")
@casework
def court_file(case_id: int, investigation_id: int, version: int) -> Response:
    """The sealed court file as it was assembled (audited; the name holds no personal data)."""
    actor = current_actor()
    found = policy.load_court_file(db.session, actor, case_id, investigation_id, version)
    data = courtfile.download(db.session, actor, found)
    db.session.commit()  # the download was audited
    name = f"woonfraude-dossier-{found.case.reference}-{found.investigation_id}-v{version}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
