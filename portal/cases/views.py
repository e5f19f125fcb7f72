"""The case pages: inbox and search, new case, the case file with its groundwork, edits,
and the import of the arrears file.

Thin views: parse the form, load through the policy (another organisation's case id
answers 404), call one service, commit once, render. Every section of the case page is
also a fragment: htmx requests get the section (and the timeline, out of band), other
requests the full page; both vary on ``HX-Request``. Search terms are personal data, so
the search form is POSTed and its results rendered in the answer: no BSN or postcode
ever appears in a URL or in a log line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.access import casework
from portal.actor import Actor, current_actor
from portal.cases import groundwork, intake, jobs, service, signal_csv
from portal.cases.display import CaseView, case_view, inbox_rows
from portal.cases.forms import (
    ActionForm,
    AgreementForm,
    CaseForm,
    ContactAttemptForm,
    FinancesForm,
    ImportForm,
    LifeMapForm,
    NewCaseForm,
    PersonForm,
    SearchForm,
    field_for,
)
from portal.cases.inbox import InboxFilters, inbox_page
from portal.cases.models import (
    LIFE_DOMAINS,
    Agreement,
    Case,
    ContactAttempt,
    Finances,
    GroundworkItem,
    ImportJob,
    LifeMapEntry,
    Person,
)
from portal.cases.policy import load_case, load_case_by_reference
from portal.cases.service import PersonData
from portal.db import utcnow
from portal.errors import DomainError, Forbidden, NotFound
from portal.extensions import db
from portal.numbers import query_int
from portal.web import is_htmx, page_or_fragment, vary_on_htmx

bp = Blueprint("cases", __name__, url_prefix="/casussen")

#: Section code (template `cases/_section_<code>.html`) -> its anchor on the case page.
SECTIONS = {
    "household": "huishouden",
    "case": "casusgegevens",
    "contact": "contactpogingen",
    "agreements": "afspraken",
    "finances": "financien",
    "life_map": "levenskaart",
    "timeline": "tijdlijn",
}
REPORT_PAGE = 500


def _today() -> date:
    return utcnow().date()


def _contact_days() -> int:
    return int(current_app.config.get("CASE_CONTACT_DAYS") or service.DEFAULT_CONTACT_DAYS)


def _load(case_id: int) -> tuple[Actor, Case]:
    actor = current_actor()
    return actor, load_case(db.session, actor, case_id)


def _item(case: Case, model: type[GroundworkItem], item_id: int) -> Any:
    """A groundwork item of this case (of another case: 404, like a missing one)."""
    item = db.session.get(model, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound()
    return item


def _person(case: Case, person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.case_id != case.id:
        raise NotFound()
    return person


def _require_owner(actor: Actor, case: Case) -> None:
    """The case file itself (household, status, arrears) is the owning organisation's."""
    if actor.organisation_id != case.organisation_id:
        raise Forbidden(_("Alleen de organisatie van deze casus kan dit wijzigen."))


def _require_record(actor: Actor, case: Case, category: str) -> None:
    if not groundwork.may_record(db.session, actor, case, category):
        raise Forbidden(_("U mag dit niet vastleggen bij deze casus."))


def _require_change(actor: Actor, item: GroundworkItem) -> None:
    if not groundwork.may_change(actor, item):
        raise Forbidden(_("Alleen de organisatie die dit vastlegde, kan het wijzigen."))
    _require_record(actor, item.case, item.__category__)


def _apply_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's refusal at the field it names, or above the form."""
    field = field_for(form, exc.params.get("field"))  # type: ignore[arg-type]
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


# --- inbox and search --------------------------------------------------------------------------


@bp.get("")
@casework
def inbox():
    """My organisation's cases and those referred to it, filtered, newest first."""
    actor = current_actor()
    filters = InboxFilters.parse(
        request.args.get("status"), request.args.get("signaal"), request.args.get("achterstallig")
    )
    page = inbox_page(
        db.session,
        actor,
        filters,
        today=_today(),
        after=query_int(request.args, "na"),
        before=query_int(request.args, "voor"),
    )
    rows = inbox_rows(db.session, actor, page.cases)
    db.session.commit()  # the audit events of the names shown
    context = {
        "rows": rows,
        "page": page,
        "filters": filters,
        "today": _today(),
        "search_form": SearchForm(),
        "searched": False,
    }
    return page_or_fragment("cases/inbox.html", "cases/_inbox_results.html", **context)


REFERENCE = re.compile(r"^KP-\d{4}-\d{6}$", re.IGNORECASE)
POSTCODE_AND_NUMBER = re.compile(
    r"^(?P<postcode>[1-9]\d{3}\s?[A-Za-z]{2})[\s,]+(?P<number>\d{1,5}(?:[\s-]?[A-Za-z0-9]{1,6})?)$"
)


def _search(actor: Actor, term: str) -> list[Case]:
    """A reference, a BSN, or a postcode with house number: found through the blind index."""
    term = " ".join(term.split())
    if REFERENCE.match(term):
        try:
            return [load_case_by_reference(db.session, actor, term)]
        except NotFound:
            return []
    if match := POSTCODE_AND_NUMBER.match(term):
        return service.find_cases_by_address(db.session, actor, match["postcode"], match["number"])
    if re.fullmatch(r"[\d .-]{9,13}", term):
        return service.find_cases_by_bsn(db.session, actor, term)
    raise DomainError(
        _("Vul een casusnummer (KP-2026-000123), een BSN of een postcode met huisnummer in."),
        field="term",
    )


@bp.post("/zoeken")
@casework
def search():
    """Search by reference, BSN or postcode + house number (POST: the term is no URL)."""
    actor = current_actor()
    form = SearchForm()
    cases: list[Case] = []
    status = 200
    if form.validate_on_submit():
        try:
            cases = _search(actor, form.term.data)
        except DomainError as exc:
            db.session.rollback()
            form.term.errors = [exc.message]
            status = 400
    else:
        status = 400
    rows = inbox_rows(db.session, actor, cases[:50])
    db.session.commit()
    context = {
        "rows": rows,
        "page": None,
        "filters": InboxFilters(),
        "today": _today(),
        "search_form": form,
        "searched": status == 200,
    }
    if is_htmx():
        return vary_on_htmx(Response(render_template("cases/_inbox_results.html", **context)))
    return vary_on_htmx(Response(render_template("cases/inbox.html", **context), status=status))


# --- a new case -------------------------------------------------------------------------------


def _person_data(form: Any, *, main: bool) -> PersonData:
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


@bp.route("/nieuw", methods=["GET", "POST"])
@casework
def new_case():
    """A signal by hand: opens a case, or adds to the household's open case."""
    actor = current_actor()
    form = NewCaseForm()
    if request.method == "GET":
        form.signal_date.data = _today()
        form.signal_kinds.data = ["arrears"]
    if form.validate_on_submit():
        signal = intake.SignalInput(
            kinds=tuple(form.signal_kinds.data),
            signal_date=form.signal_date.data,
            tenant=_person_data(form, main=True),
            tenant_number=form.tenant_number.data,
            arrears_cents=form.arrears_amount.cents,
            arrears_months=form.arrears_months.number,
            arrears_since=form.arrears_since.data,
        )
        organisation = actor_organisation(actor)
        try:
            outcome = intake.receive_signal(
                db.session, actor, organisation, signal, contact_days=_contact_days()
            )
        except DomainError as exc:
            db.session.rollback()
            _apply_error(form, exc)
        else:
            db.session.commit()
            if outcome.created:
                flash(_("Casus %(ref)s is geopend.", ref=outcome.case.reference), "ok")
            else:
                flash(
                    _(
                        "Deze huurder had al een open casus. Het signaal is toegevoegd aan "
                        "%(ref)s.",
                        ref=outcome.case.reference,
                    ),
                    "info",
                )
            return redirect(url_for(".show", case_id=outcome.case.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form), status


def actor_organisation(actor: Actor):
    from portal.accounts.models import Organisation

    organisation = db.session.get(Organisation, actor.organisation_id)
    if organisation is None:
        raise NotFound()
    return organisation


# --- the case page ----------------------------------------------------------------------------


@bp.get("/<int:case_id>")
@casework
def show(case_id: int):
    actor, case = _load(case_id)
    view = case_view(db.session, actor, case)
    known = service.known_elsewhere(db.session, actor, case)
    db.session.commit()  # the audit events of this view
    return vary_on_htmx(
        Response(render_template("cases/case.html", **_page_context(view), known=known))
    )


def _page_context(view: CaseView, **extra: Any) -> dict[str, Any]:
    return {
        "view": view,
        "case": view.case,
        "today": _today(),
        "sections": SECTIONS,
        "action_form": ActionForm(),
        "attempt_form": ContactAttemptForm(formdata=None, attempted_on=_today()),
        "agreement_form": AgreementForm(formdata=None, starts_on=_today()),
        "edit": None,
        "notice": None,
        **extra,
    }


def _render(
    view: CaseView,
    section: str,
    *,
    edit: dict[str, Any] | None = None,
    notice: str | None = None,
    status: int = 200,
    title: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Response:
    """The section as a fragment (htmx: with the timeline out of band) or as a full page."""
    context = _page_context(view, edit=edit, notice=notice, **(overrides or {}))
    context["section"] = section
    if is_htmx():
        html = render_template(f"cases/_section_{section}.html", **context)
        if section != "timeline":
            html += render_template("cases/_section_timeline.html", oob=True, **context)
        return vary_on_htmx(Response(html, status=200))
    context["title"] = title or _("Casus %(ref)s", ref=view.case.reference)
    return vary_on_htmx(Response(render_template("cases/edit.html", **context), status=status))


def _view(case: Case) -> CaseView:
    """Reveal the case for this response (one audit event), committed at once."""
    view = case_view(db.session, current_actor(), case)
    db.session.commit()
    return view


def _done(case: Case, section: str, message: str) -> Response:
    """After a change: htmx gets the fresh section, a plain browser the case page."""
    if is_htmx():
        return _render(_view(case), section, notice=message)
    flash(message, "ok")
    return redirect(url_for(".show", case_id=case.id, _anchor=SECTIONS[section]), code=303)


@bp.get("/<int:case_id>/onderdelen/<section>")
@casework
def section(case_id: int, section: str):
    """One section of the case page (htmx), e.g. to cancel an inline edit."""
    _actor, case = _load(case_id)
    if section not in SECTIONS:
        raise NotFound()
    if not is_htmx():
        return redirect(url_for(".show", case_id=case.id, _anchor=SECTIONS[section]))
    return _render(_view(case), section)


FormMaker = Callable[[CaseView | None], FlaskForm]


def _edit_flow(
    case: Case,
    section: str,
    make_form: FormMaker,
    target: str,
    save: Callable[[FlaskForm], Any],
    message: str,
    title: str,
    form_context: str | None = None,
) -> Response:
    """GET shows the form, filled from the revealed values, in its section; POST validates,
    saves, commits, or shows the errors (and changes nothing)."""
    if request.method == "POST":
        form = make_form(None)
        if form.validate_on_submit():
            try:
                save(form)
            except DomainError as exc:
                db.session.rollback()
                _apply_error(form, exc)
            else:
                db.session.commit()
                return _done(case, section, message)
        view = _view(case)
        status = 400
    else:
        view = _view(case)
        form = make_form(view)
        status = 200
    return _render(
        view,
        section,
        edit={"target": target, "form": form, "url": request.path},
        status=status,
        title=title,
        overrides={form_context: form} if form_context else None,
    )


def _filled(form_class: type[FlaskForm], values: dict[str, Any]) -> FlaskForm:
    """A form showing current values; withheld or erased values stay empty."""
    return form_class(
        formdata=None, **{k: (None if _is_marker(v) else v) for k, v in values.items()}
    )


def _is_marker(value: Any) -> bool:
    from portal.crypto.fields import Erased
    from portal.sharing import Withheld

    return isinstance(value, (Withheld, Erased))


def _euros(cents: Any) -> str | None:
    if isinstance(cents, int) and not isinstance(cents, bool):
        return f"{cents // 100},{cents % 100:02d}"
    return None


# --- case file: status, signals, tenancy, arrears --------------------------------------------


@bp.route("/<int:case_id>/gegevens", methods=["GET", "POST"])
@casework
def edit_case(case_id: int):
    actor, case = _load(case_id)
    _require_owner(actor, case)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return CaseForm()
        return _filled(
            CaseForm,
            {
                "status": case.status,
                "signal_kinds": list(case.signal_kinds),
                "tenant_number": view.v(case, "tenant_number"),
                "arrears_amount": _euros(view.v(case, "arrears_cents")),
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

    return _edit_flow(
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
    actor, case = _load(case_id)
    _require_owner(actor, case)

    def make(view: CaseView | None) -> FlaskForm:
        return PersonForm() if view is None else PersonForm(formdata=None)

    def save(form: Any) -> None:
        service.add_person(db.session, actor, case, _person_data(form, main=False))

    return _edit_flow(
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
    actor, case = _load(case_id)
    person = _person(case, person_id)
    _require_owner(actor, case)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return PersonForm()
        values = {name: view.v(person, name) for name in Person.__categories__}
        return _filled(PersonForm, {**values, "minor": values["minor"] is True})

    def save(form: Any) -> None:
        data = _person_data(form, main=person.is_main_tenant)
        # The form shows the address for the main tenant only, relation and minor for others.
        skip = (
            {"is_main_tenant", "relation", "minor"}
            if person.is_main_tenant
            else {"is_main_tenant", "street", "house_number", "postcode", "city"}
        )
        changes = {n: getattr(data, n) for n in service.PERSON_FIELDS if n not in skip}
        service.update_person(db.session, actor, person, **changes)

    return _edit_flow(
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
    actor, case = _load(case_id)
    person = _person(case, person_id)
    _require_owner(actor, case)
    if not ActionForm().validate_on_submit():
        raise DomainError(_("Het formulier is verlopen. Laad de pagina opnieuw."))
    try:
        service.remove_person(db.session, actor, person)
    except DomainError as exc:
        db.session.rollback()
        if is_htmx():
            return _render(_view(case), "household", notice=exc.message)
        raise
    db.session.commit()
    return _done(case, "household", _("Het gezinslid is uit het huishouden gehaald."))


# --- contact attempts -------------------------------------------------------------------------


def _attempt_data(form: Any) -> groundwork.ContactAttemptData:
    return groundwork.ContactAttemptData(
        attempted_on=form.attempted_on.data,
        channel=form.channel.data,
        outcome=form.outcome.data,
        note=form.note.data,
    )


@bp.route("/<int:case_id>/contactpogingen/nieuw", methods=["GET", "POST"])
@casework
def add_attempt(case_id: int):
    actor, case = _load(case_id)
    _require_record(actor, case, ContactAttempt.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return ContactAttemptForm()
        return ContactAttemptForm(formdata=None, attempted_on=_today())

    def save(form: Any) -> None:
        groundwork.add_contact_attempt(db.session, actor, case, _attempt_data(form))

    return _edit_flow(
        case,
        "contact",
        make,
        "attempt:new",
        save,
        _("De contactpoging is vastgelegd."),
        _("Contactpoging vastleggen"),
        form_context="attempt_form",
    )


@bp.route("/<int:case_id>/contactpogingen/<int:item_id>", methods=["GET", "POST"])
@casework
def edit_attempt(case_id: int, item_id: int):
    actor, case = _load(case_id)
    attempt = _item(case, ContactAttempt, item_id)
    _require_change(actor, attempt)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return ContactAttemptForm()
        return _filled(
            ContactAttemptForm,
            {name: view.v(attempt, name) for name in ContactAttempt.__categories__},
        )

    def save(form: Any) -> None:
        groundwork.update_contact_attempt(db.session, actor, attempt, _attempt_data(form))

    return _edit_flow(
        case,
        "contact",
        make,
        f"attempt:{attempt.id}",
        save,
        _("De contactpoging is gewijzigd."),
        _("Contactpoging wijzigen"),
    )


# --- agreements -------------------------------------------------------------------------------


def _agreement_data(form: Any) -> groundwork.AgreementData:
    return groundwork.AgreementData(
        amount_cents=form.amount.cents,
        starts_on=form.starts_on.data,
        status=form.status.data,
        note=form.note.data,
    )


@bp.route("/<int:case_id>/afspraken/nieuw", methods=["GET", "POST"])
@casework
def add_agreement(case_id: int):
    actor, case = _load(case_id)
    _require_record(actor, case, Agreement.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return AgreementForm()
        return AgreementForm(formdata=None, starts_on=_today())

    def save(form: Any) -> None:
        groundwork.add_agreement(db.session, actor, case, _agreement_data(form))

    return _edit_flow(
        case,
        "agreements",
        make,
        "agreement:new",
        save,
        _("De betalingsregeling is vastgelegd."),
        _("Betalingsregeling vastleggen"),
        form_context="agreement_form",
    )


@bp.route("/<int:case_id>/afspraken/<int:item_id>", methods=["GET", "POST"])
@casework
def edit_agreement(case_id: int, item_id: int):
    actor, case = _load(case_id)
    agreement = _item(case, Agreement, item_id)
    _require_change(actor, agreement)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return AgreementForm()
        return _filled(
            AgreementForm,
            {
                "amount": _euros(view.v(agreement, "amount_cents")),
                "starts_on": view.v(agreement, "starts_on"),
                "status": view.v(agreement, "status"),
                "note": view.v(agreement, "note"),
            },
        )

    def save(form: Any) -> None:
        groundwork.update_agreement(db.session, actor, agreement, _agreement_data(form))

    return _edit_flow(
        case,
        "agreements",
        make,
        f"agreement:{agreement.id}",
        save,
        _("De betalingsregeling is gewijzigd."),
        _("Betalingsregeling wijzigen"),
    )


# --- finances and the life map ----------------------------------------------------------------


@bp.route("/<int:case_id>/financien", methods=["GET", "POST"])
@casework
def edit_finances(case_id: int):
    actor, case = _load(case_id)
    _require_record(actor, case, Finances.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return FinancesForm()
        current = view.finances
        if current is None:
            return FinancesForm(formdata=None)
        return _filled(
            FinancesForm,
            {
                "income_source": view.v(current, "income_source"),
                "income": _euros(view.v(current, "income_cents")),
                "debts": _euros(view.v(current, "debts_cents")),
                "debts_note": view.v(current, "debts_note"),
                "debt_support": view.v(current, "debt_support"),
            },
        )

    def save(form: Any) -> None:
        groundwork.save_finances(
            db.session,
            actor,
            case,
            groundwork.FinancesData(
                income_source=form.income_source.data or None,
                income_cents=form.income.cents,
                debts_cents=form.debts.cents,
                debts_note=form.debts_note.data,
                debt_support=form.debt_support.data or None,
            ),
        )

    return _edit_flow(
        case,
        "finances",
        make,
        "finances",
        save,
        _("De financiële situatie is opgeslagen."),
        _("Financiële situatie wijzigen"),
    )


@bp.route("/<int:case_id>/levenskaart", methods=["GET", "POST"])
@casework
def edit_life_map(case_id: int):
    actor, case = _load(case_id)
    _require_record(actor, case, LifeMapEntry.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return LifeMapForm()
        values: dict[str, Any] = {}
        for domain, entry in view.life_map.items():
            values[f"{domain}-status"] = view.v(entry, "status")
            values[f"{domain}-note"] = view.v(entry, "note")
        return _filled(LifeMapForm, values)

    def save(form: Any) -> None:
        groundwork.save_life_map(
            db.session,
            actor,
            case,
            {
                domain: groundwork.LifeDomainData(
                    status=form[f"{domain}-status"].data or None,
                    note=form[f"{domain}-note"].data,
                )
                for domain in LIFE_DOMAINS
            },
        )

    return _edit_flow(
        case,
        "life_map",
        make,
        "life_map",
        save,
        _("De levenskaart is opgeslagen."),
        _("Levenskaart wijzigen"),
    )


# --- import -----------------------------------------------------------------------------------


def _own_job(job_id: int) -> ImportJob:
    actor = current_actor()
    job = db.session.get(ImportJob, job_id)
    if job is None or job.organisation_id != actor.organisation_id:
        raise NotFound()
    return jobs.refresh_stale(db.session, job)


@bp.route("/import", methods=["GET", "POST"])
@casework
def import_upload():
    """Upload the arrears file; the import runs in the background, the page shows progress."""
    actor = current_actor()
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            job = jobs.start_job(
                db.session, actor, actor_organisation(actor), str(get_locale() or "nl")
            )
        except DomainError as exc:
            db.session.rollback()
            form.file.errors = [exc.message]
            return _import_page(form, status=exc.status)
        db.session.commit()
        jobs.submit(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            job.id,
            data,
            actor,
            _contact_days(),
        )
        return redirect(url_for(".import_job", job_id=job.id), code=303)
    return _import_page(form, status=400 if request.method == "POST" else 200)


def _import_page(form: ImportForm, status: int) -> tuple[str, int]:
    recent = db.session.scalars(
        select(ImportJob)
        .where(ImportJob.organisation_id == current_actor().organisation_id)
        .order_by(ImportJob.id.desc())
        .limit(10)
    ).all()
    return (
        render_template(
            "cases/import.html",
            form=form,
            recent=recent,
            required_columns=signal_csv.REQUIRED,
            optional_columns=signal_csv.OPTIONAL,
        ),
        status,
    )


@bp.get("/import/<int:job_id>")
@casework
def import_job(job_id: int):
    job = _own_job(job_id)
    db.session.commit()
    page = query_int(request.args, "pagina", default=1)
    report = job.report[(page - 1) * REPORT_PAGE : page * REPORT_PAGE]
    return render_template(
        "cases/import_job.html",
        job=job,
        progress=jobs.progress_of(job),
        report=report,
        report_page=page,
        report_pages=max(1, -(-len(job.report) // REPORT_PAGE)),
    )


@bp.get("/import/<int:job_id>/voortgang")
@casework
def import_progress(job_id: int):
    """The progress fragment htmx polls every second; a finished job reloads the page."""
    job = _own_job(job_id)
    db.session.commit()
    if not is_htmx():
        return redirect(url_for(".import_job", job_id=job.id))
    if job.finished:
        response = Response("", status=200)
        response.headers["HX-Redirect"] = url_for(".import_job", job_id=job.id)
        return vary_on_htmx(response)
    return vary_on_htmx(
        Response(
            render_template("cases/_import_progress.html", job=job, progress=jobs.progress_of(job))
        )
    )
