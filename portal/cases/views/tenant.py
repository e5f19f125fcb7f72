"""The tenant's own part of the case page: her messages (a partner answers a question), the
phone number or e-mail address she corrected (the owner confirms or rejects it), and her
legal representatives (the owner records and ends a mandate)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.access import casework
from portal.cases import mandates, tenant_input
from portal.cases.display import CaseView, full_name
from portal.cases.forms import ActionForm, AnswerForm, MandateForm
from portal.cases.models import Case, ContactCorrection, TenantMandate, TenantSay
from portal.cases.service import is_minor
from portal.cases.views import bp
from portal.cases.views.common import done, edit_flow, load, render, reveal
from portal.errors import NotFound
from portal.extensions import db
from portal.web import refusal_text, submit

SECTION = "tenant"


def _of_case(case: Case, model: type[Any], item_id: int) -> Any:
    """A row of this case (of another case: 404, like a missing one)."""
    item = db.session.get(model, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound()
    return item


@bp.route("/<int:case_id>/huurder/<int:item_id>/antwoord", methods=["GET", "POST"])
@casework
def answer_say(case_id: int, item_id: int):
    actor, case = load(case_id)
    say = _of_case(case, TenantSay, item_id)

    def make(view: CaseView | None) -> FlaskForm:
        return AnswerForm() if view is None else AnswerForm(formdata=None)

    def save(form: Any) -> None:
        tenant_input.answer_say(db.session, actor, say, form.answer.data)

    return edit_flow(
        case,
        SECTION,
        make,
        f"say:{say.id}",
        save,
        _("Uw antwoord staat nu op de pagina van de huurder."),
        _("Vraag van de huurder beantwoorden"),
    )


@bp.post("/<int:case_id>/huurder/wijziging/<int:item_id>/bevestigen")
@casework
def confirm_correction(case_id: int, item_id: int):
    return _decide_correction(case_id, item_id, confirm=True)


@bp.post("/<int:case_id>/huurder/wijziging/<int:item_id>/afwijzen")
@casework
def reject_correction(case_id: int, item_id: int):
    return _decide_correction(case_id, item_id, confirm=False)


def _decide_correction(case_id: int, item_id: int, *, confirm: bool) -> Any:
    actor, case = load(case_id)
    correction = _of_case(case, ContactCorrection, item_id)
    outcome = submit(
        ActionForm(),
        lambda: tenant_input.decide_correction(db.session, actor, correction, confirm=confirm),
    )
    if outcome.done:
        message = (
            _("Het nieuwe gegeven staat nu in de casus.")
            if confirm
            else _("De wijziging is afgewezen. De huurder ziet dat op de eigen pagina.")
        )
        return done(case, SECTION, message)
    notice = refusal_text(outcome.refusal) if outcome.refusal else _("Probeer het opnieuw.")
    return render(reveal(case), SECTION, notice=notice, status=400)


def _person_choices(case: Case, view: CaseView | None) -> list[tuple[int, str]]:
    """The adults of the household; by name when the page could show them."""
    adults = [p for p in case.persons if p.is_main_tenant or not is_minor(p)]
    if view is None:
        return [(p.id, str(p.id)) for p in adults]
    return [(p.id, full_name(view.v(p, "initials"), view.v(p, "surname"))) for p in adults]


@bp.route("/<int:case_id>/vertegenwoordiger/nieuw", methods=["GET", "POST"])
@casework
def add_mandate(case_id: int):
    actor, case = load(case_id)

    def make(view: CaseView | None) -> FlaskForm:
        form = MandateForm() if view is None else MandateForm(formdata=None)
        form.person_id.choices = _person_choices(case, view)
        return form

    def save(form: Any) -> None:
        mandates.record_mandate(
            db.session,
            actor,
            case,
            mandates.MandateData(
                person_id=form.person_id.data,
                kind=form.kind.data,
                name=form.name.data,
                since=form.since.data,
                evidence=form.evidence.data,
                phone=form.phone.data,
                email=form.email.data,
            ),
        )

    return edit_flow(
        case,
        SECTION,
        make,
        "mandate:new",
        save,
        _("De vertegenwoordiger is vastgelegd en kan nu inloggen."),
        _("Vertegenwoordiger vastleggen"),
    )


@bp.post("/<int:case_id>/vertegenwoordiger/<int:item_id>/beeindigen")
@casework
def end_mandate(case_id: int, item_id: int):
    actor, case = load(case_id)
    mandate = _of_case(case, TenantMandate, item_id)
    outcome = submit(ActionForm(), lambda: mandates.end_mandate(db.session, actor, mandate))
    if outcome.done:
        return done(case, SECTION, _("De vertegenwoordiging is beëindigd."))
    notice = refusal_text(outcome.refusal) if outcome.refusal else _("Probeer het opnieuw.")
    return render(reveal(case), SECTION, notice=notice, status=400)
