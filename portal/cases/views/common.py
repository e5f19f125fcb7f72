"""What the case views share: loading a case, rendering a section of the case page as a
page or an htmx fragment, and the inline edit flow on top of ``portal.web.submit``.

A change answers htmx with the fresh section (and the timeline, out of band) and a plain
browser with a redirect to the case page at the section's anchor; a refused or invalid form
comes back in its section with its errors, status 400, and nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.sql.base import ExecutableOption

from portal.actor import Actor, current_actor
from portal.cases import service
from portal.cases.display import CaseView, case_view
from portal.cases.forms import (
    ActionForm,
    field_for,
)
from portal.cases.models import Case
from portal.cases.policy import load_case
from portal.cases.service import PersonData
from portal.cases.summary import case_summary
from portal.errors import DomainError
from portal.extensions import db
from portal.web import is_htmx, out_of_band, submit, vary_on_htmx
from portal.workdays import local_today

#: Section code (template `cases/_section_<code>.html`) -> its anchor on the case page.
SECTIONS = {
    "household": "huishouden",
    "case": "casusgegevens",
    "contact": "contactpogingen",
    "letters": "brieven",
    "agreements": "afspraken",
    "finances": "financien",
    "life_map": "levenskaart",
    "tenant": "huurder",
    "timeline": "tijdlijn",
}


def today() -> date:
    return local_today()


def contact_days() -> int:
    return int(current_app.config.get("CASE_CONTACT_DAYS") or service.DEFAULT_CONTACT_DAYS)


def load(case_id: int, *loads: ExecutableOption) -> tuple[Actor, Case]:
    actor = current_actor()
    return actor, load_case(db.session, actor, case_id, *loads)


def person_data(form: Any, *, main: bool) -> PersonData:
    """A household member from the new-case or the member form (the main tenant has no
    relation and is never a minor)."""
    return PersonData(
        surname=form.surname.data or "",
        initials=form.initials.data,
        birth_date=form.birth_date.data,
        bsn=form.bsn.data,
        phone=form.phone.data,
        email=form.email.data,
        street=form.street.data,
        house_number=form.house_number.data,
        postcode=form.postcode.data,
        city=form.city.data,
        relation=None if main else (form.relation.data or None),
        is_main_tenant=main,
        minor=False if main else bool(form.minor.data),
    )


def apply_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's refusal at the field it names, or above the form."""
    name = exc.params.get("field")
    field = field_for(form, name if isinstance(name, str) else None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


# --- the case page and its sections -----------------------------------------------------------


#: The parts of the case page that follow a change in any section.
OOB_PARTS = ("cases/_case_title.html", "cases/_summary.html", "cases/_section_timeline.html")


def page_context(view: CaseView, **extra: Any) -> dict[str, Any]:
    return {
        "view": view,
        "case": view.case,
        "today": today(),
        "sections": SECTIONS,
        "action_form": ActionForm(),
        "edit": None,
        "notice": None,
        **extra,
    }


def render(
    view: CaseView,
    section: str,
    *,
    edit: dict[str, Any] | None = None,
    notice: str | None = None,
    status: int = 200,
    title: str | None = None,
) -> Response:
    """The section as a fragment or as a full page. With htmx, after a change (``notice``) every
    other part of the page it can alter comes along out of band (the name and state at the
    top, the summary, the timeline), so nothing on the page is stale after a save."""
    context = page_context(view, edit=edit, notice=notice)
    context["section"] = section
    if is_htmx():
        html = render_template(f"cases/_section_{section}.html", **context)
        if notice is not None:  # something changed (a form shown or refused changes nothing)
            context["summary"] = case_summary(db.session, view.actor, view.case)
            html += out_of_band(
                [p for p in OOB_PARTS if p != f"cases/_section_{section}.html"], **context
            )
        return vary_on_htmx(Response(html, status=200))
    context["title"] = title or _("Casus %(ref)s", ref=view.case.reference)
    return vary_on_htmx(Response(render_template("cases/edit.html", **context), status=status))


def reveal(case: Case) -> CaseView:
    """Reveal the case for this response (one audit event), committed at once."""
    view = case_view(db.session, current_actor(), case)
    db.session.commit()
    return view


def done(case: Case, section: str, message: str) -> ResponseReturnValue:
    """After a change: htmx gets the fresh section, a plain browser the case page."""
    if is_htmx():
        return render(reveal(case), section, notice=message)
    flash(message, "ok")
    return redirect(url_for(".show", case_id=case.id, _anchor=SECTIONS[section]), code=303)


# --- inline edits -----------------------------------------------------------------------------

FormMaker = Callable[[CaseView | None], FlaskForm]


def edit_flow(
    case: Case,
    section: str,
    make_form: FormMaker,
    target: str,
    save: Callable[[FlaskForm], Any],
    message: str,
    title: str,
) -> ResponseReturnValue:
    """GET shows the form, filled from the revealed values, in its section; POST submits it
    to ``save`` (one service call) and shows the fresh section, or the form again with the
    errors or the service's refusal at the field it names (and nothing changed).

    A case erased by retention has nothing left to edit: its form is not shown, and a posted
    form is refused at the form, like any refusal (whatever service ``save`` calls).
    """
    if request.method == "POST":
        form = make_form(None)

        def change() -> Any:
            service.require_not_erased(case)
            return save(form)

        outcome = submit(form, change)
        if outcome.done:
            return done(case, section, message)
        if outcome.refusal is not None:
            apply_error(form, outcome.refusal)
        view = reveal(case)
        status = 400
    else:
        service.require_not_erased(case)  # the error page: there is no form to show
        view = reveal(case)
        form = make_form(view)
        status = 200
    return render(
        view,
        section,
        edit={"target": target, "form": form, "url": request.path},
        status=status,
        title=title,
    )


def filled(form_class: type[FlaskForm], values: dict[str, Any]) -> FlaskForm:
    """A form showing current values; withheld or erased values stay empty."""
    return form_class(
        formdata=None, **{k: (None if _is_marker(v) else v) for k, v in values.items()}
    )


def _is_marker(value: Any) -> bool:
    from portal.crypto.fields import Erased
    from portal.sharing import Withheld

    return isinstance(value, (Withheld, Erased))


def euros(cents: Any) -> str | None:
    """Cents as the form shows an amount (``1250,50``); anything else (withheld) as empty."""
    if isinstance(cents, int) and not isinstance(cents, bool):
        return f"{cents // 100},{cents % 100:02d}"
    return None
