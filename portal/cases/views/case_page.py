"""The case page, its sections, and the case file's inline edits: status, signals, tenancy
and arrears, and the household. The case file is the owning organisation's alone.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from portal.access import casework
from portal.actor import Actor
from portal.cases import service
from portal.cases.display import CaseView, case_view
from portal.cases.forms import ActionForm, CaseForm, PersonForm
from portal.cases.models import Case, Person
from portal.cases.summary import case_summary
from portal.cases.views import bp
from portal.cases.views.common import (
    SECTIONS,
    done,
    edit_flow,
    euros,
    filled,
    load,
    page_context,
    person_data,
    render,
    reveal,
)
from portal.errors import DomainError, Forbidden, NotFound
from portal.extensions import db
from portal.web import is_htmx, submit, vary_on_htmx


def _person(case: Case, person_id: int) -> Person:
    """A member of this case's household (of another case: 404, like a missing one)."""
    person = db.session.get(Person, person_id)
    if person is None or person.case_id != case.id:
        raise NotFound()
    return person


def _require_owner(actor: Actor, case: Case) -> None:
    """The case file itself (household, status, arrears) is the owning organisation's."""
    if actor.organisation_id != case.organisation_id:
        raise Forbidden(_("Alleen de organisatie van deze casus kan dit wijzigen."))


@bp.get("/<int:case_id>")
@casework
def show(case_id: int):
    actor, case = load(case_id, joinedload(Case.persons))  # the household, with the case
    view = case_view(db.session, actor, case)
    known = service.known_elsewhere(db.session, actor, case)
    summary = case_summary(db.session, actor, case)
    db.session.commit()  # the audit events of this view
    return vary_on_htmx(
        Response(
            render_template("cases/case.html", **page_context(view), known=known, summary=summary)
        )
    )


@bp.get("/<int:case_id>/onderdelen/<section>")
@casework
def section(case_id: int, section: str):
    """One section of the case page (htmx), e.g. to cancel an inline edit."""
    _actor, case = load(case_id)
    if section not in SECTIONS:
        raise NotFound()
    if not is_htmx():
        return redirect(url_for(".show", case_id=case.id, _anchor=SECTIONS[section]))
    return render(reveal(case), section)


# --- case file: status, signals, tenancy, arrears --------------------------------------------


@bp.route("/<int:case_id>/gegevens", methods=["GET", "POST"])
@casework
def edit_case(case_id: int):
    actor, case = load(case_id)
    _require_owner(actor, case)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return CaseForm()
        return filled(
            CaseForm,
            {
                "status": case.status,
                "signal_kinds": list(case.signal_kinds),
                "tenant_number": view.v(case, "tenant_number"),
                "arrears_amount": euros(view.v(case, "arrears_cents")),
                "arrears_months": view.v(case, "arrears_months"),
                "arrears_since": view.v(case, "arrears_since"),
            },
        )

    def save(form: Any) -> None:
        service.update_case(
            db.session,
            actor,
            case,
            status=form.status.data,
            signal_kinds=form.signal_kinds.data,
            tenant_number=form.tenant_number.data,
            arrears_cents=form.arrears_amount.cents,
            arrears_months=form.arrears_months.number,
            arrears_since=form.arrears_since.data,
        )

    return edit_flow(
        case,
        "case",
        make,
        "case",
        save,
        _("De casusgegevens zijn opgeslagen."),
        _("Casusgegevens wijzigen"),
    )


# --- household --------------------------------------------------------------------------------


@bp.route("/<int:case_id>/huishouden/nieuw", methods=["GET", "POST"])
@casework
def add_member(case_id: int):
    actor, case = load(case_id)
    _require_owner(actor, case)

    def make(view: CaseView | None) -> FlaskForm:
        return PersonForm() if view is None else PersonForm(formdata=None)

    def save(form: Any) -> None:
        service.add_person(db.session, actor, case, person_data(form, main=False))

    return edit_flow(
        case,
        "household",
        make,
        "person:new",
        save,
        _("Het gezinslid is toegevoegd."),
        _("Gezinslid toevoegen"),
    )


@bp.route("/<int:case_id>/huishouden/<int:person_id>", methods=["GET", "POST"])
@casework
def edit_member(case_id: int, person_id: int):
    actor, case = load(case_id)
    person = _person(case, person_id)
    _require_owner(actor, case)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return PersonForm()
        values = {name: view.v(person, name) for name in Person.__categories__}
        return filled(PersonForm, {**values, "minor": values["minor"] is True})

    def save(form: Any) -> None:
        data = person_data(form, main=person.is_main_tenant)
        # The form shows the address for the main tenant only, relation and minor for others.
        skip = (
            {"is_main_tenant", "relation", "minor"}
            if person.is_main_tenant
            else {"is_main_tenant", "street", "house_number", "postcode", "city"}
        )
        changes = {n: getattr(data, n) for n in service.PERSON_FIELDS if n not in skip}
        service.update_person(db.session, actor, person, **changes)

    return edit_flow(
        case,
        "household",
        make,
        f"person:{person.id}",
        save,
        _("De gegevens van het gezinslid zijn opgeslagen."),
        _("Gezinslid wijzigen"),
    )


@bp.post("/<int:case_id>/huishouden/<int:person_id>/verwijderen")
@casework
def remove_member(case_id: int, person_id: int):
    """Take a member out of the household. A refusal (the main tenant stays) shows in the
    section for htmx and as the error page otherwise."""
    actor, case = load(case_id)
    person = _person(case, person_id)
    _require_owner(actor, case)
    outcome = submit(ActionForm(), lambda: service.remove_person(db.session, actor, person))
    if outcome.done:
        return done(case, "household", _("Het gezinslid is uit het huishouden gehaald."))
    if outcome.refusal is None:
        raise DomainError(_("Het formulier is verlopen. Laad de pagina opnieuw."))
    if is_htmx():
        return render(reveal(case), "household", notice=outcome.message)
    raise outcome.refusal
