"""The groundwork sections of the case page: contact attempts, payment agreements, the
finances and the life map, each added or changed inline.

Groundwork may be recorded by whoever may see its category (so a partner with a referral
adds its own contact attempts); attempts and agreements are changed only by the
organisation that recorded them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.access import casework
from portal.actor import Actor
from portal.cases import groundwork
from portal.cases.display import CaseView
from portal.cases.forms import (
    AgreementForm,
    ContactAttemptForm,
    FinancesForm,
    LetterForm,
    LifeMapForm,
)
from portal.cases.models import (
    LIFE_DOMAINS,
    Agreement,
    Case,
    ContactAttempt,
    Finances,
    GroundworkItem,
    Letter,
    LifeMapEntry,
)
from portal.cases.views import bp
from portal.cases.views.common import edit_flow, euros, filled, load, today
from portal.errors import Forbidden, NotFound
from portal.extensions import db


def _item(case: Case, model: type[GroundworkItem], item_id: int) -> Any:
    """A groundwork item of this case (of another case: 404, like a missing one)."""
    item = db.session.get(model, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound()
    return item


def _require_record(actor: Actor, case: Case, category: str) -> None:
    if not groundwork.may_record(db.session, actor, case, category):
        raise Forbidden(_("U mag dit niet vastleggen bij deze casus."))


def _require_change(actor: Actor, item: GroundworkItem) -> None:
    if not groundwork.may_change(actor, item):
        raise Forbidden(_("Alleen de organisatie die dit vastlegde, kan het wijzigen."))
    _require_record(actor, item.case, item.__category__)


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
    actor, case = load(case_id)
    _require_record(actor, case, ContactAttempt.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return ContactAttemptForm()
        return ContactAttemptForm(formdata=None, attempted_on=today())

    def save(form: Any) -> None:
        groundwork.add_contact_attempt(db.session, actor, case, _attempt_data(form))

    return edit_flow(
        case,
        "contact",
        make,
        "attempt:new",
        save,
        _("De contactpoging is vastgelegd."),
        _("Contactpoging vastleggen"),
    )


@bp.route("/<int:case_id>/contactpogingen/<int:item_id>", methods=["GET", "POST"])
@casework
def edit_attempt(case_id: int, item_id: int):
    actor, case = load(case_id)
    attempt = _item(case, ContactAttempt, item_id)
    _require_change(actor, attempt)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return ContactAttemptForm()
        return filled(
            ContactAttemptForm,
            {name: view.v(attempt, name) for name in ContactAttempt.__categories__},
        )

    def save(form: Any) -> None:
        groundwork.update_contact_attempt(db.session, actor, attempt, _attempt_data(form))

    return edit_flow(
        case,
        "contact",
        make,
        f"attempt:{attempt.id}",
        save,
        _("De contactpoging is gewijzigd."),
        _("Contactpoging wijzigen"),
    )


# --- letters --------------------------------------------------------------------------------


def _letter_data(form: Any) -> groundwork.LetterData:
    return groundwork.LetterData(
        sent_on=form.sent_on.data,
        kind=form.kind.data,
        points_to_help=form.points_to_help.data == "yes",
        data_offer=form.data_offer.data == "yes",
        note=form.note.data,
    )


def _yes_no(value: Any) -> str | None:
    return {True: "yes", False: "no"}.get(value) if isinstance(value, bool) else None


@bp.route("/<int:case_id>/brieven/nieuw", methods=["GET", "POST"])
@casework
def add_letter(case_id: int):
    actor, case = load(case_id)
    _require_record(actor, case, Letter.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return LetterForm()
        return LetterForm(formdata=None, sent_on=today())

    def save(form: Any) -> None:
        groundwork.add_letter(db.session, actor, case, _letter_data(form))

    return edit_flow(
        case,
        "letters",
        make,
        "letter:new",
        save,
        _("De brief is vastgelegd."),
        _("Brief vastleggen"),
    )


@bp.route("/<int:case_id>/brieven/<int:item_id>", methods=["GET", "POST"])
@casework
def edit_letter(case_id: int, item_id: int):
    actor, case = load(case_id)
    letter = _item(case, Letter, item_id)
    _require_change(actor, letter)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return LetterForm()
        return filled(
            LetterForm,
            {
                "sent_on": view.v(letter, "sent_on"),
                "kind": view.v(letter, "kind"),
                "points_to_help": _yes_no(view.v(letter, "points_to_help")),
                "data_offer": _yes_no(view.v(letter, "data_offer")),
                "note": view.v(letter, "note"),
            },
        )

    def save(form: Any) -> None:
        groundwork.update_letter(db.session, actor, letter, _letter_data(form))

    return edit_flow(
        case,
        "letters",
        make,
        f"letter:{letter.id}",
        save,
        _("De brief is gewijzigd."),
        _("Brief wijzigen"),
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
    actor, case = load(case_id)
    _require_record(actor, case, Agreement.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return AgreementForm()
        return AgreementForm(formdata=None, starts_on=today())

    def save(form: Any) -> None:
        groundwork.add_agreement(db.session, actor, case, _agreement_data(form))

    return edit_flow(
        case,
        "agreements",
        make,
        "agreement:new",
        save,
        _("De betalingsregeling is vastgelegd."),
        _("Betalingsregeling vastleggen"),
    )


@bp.route("/<int:case_id>/afspraken/<int:item_id>", methods=["GET", "POST"])
@casework
def edit_agreement(case_id: int, item_id: int):
    actor, case = load(case_id)
    agreement = _item(case, Agreement, item_id)
    _require_change(actor, agreement)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return AgreementForm()
        return filled(
            AgreementForm,
            {
                "amount": euros(view.v(agreement, "amount_cents")),
                "starts_on": view.v(agreement, "starts_on"),
                "status": view.v(agreement, "status"),
                "note": view.v(agreement, "note"),
            },
        )

    def save(form: Any) -> None:
        groundwork.update_agreement(db.session, actor, agreement, _agreement_data(form))

    return edit_flow(
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
    actor, case = load(case_id)
    _require_record(actor, case, Finances.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return FinancesForm()
        current = view.finances
        if current is None:
            return FinancesForm(formdata=None)
        return filled(
            FinancesForm,
            {
                "income_source": view.v(current, "income_source"),
                "income": euros(view.v(current, "income_cents")),
                "debts": euros(view.v(current, "debts_cents")),
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

    return edit_flow(
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
    actor, case = load(case_id)
    _require_record(actor, case, LifeMapEntry.__category__)

    def make(view: CaseView | None) -> FlaskForm:
        if view is None:
            return LifeMapForm()
        values: dict[str, Any] = {}
        for domain, entry in view.life_map.items():
            values[f"{domain}-status"] = view.v(entry, "status")
            values[f"{domain}-note"] = view.v(entry, "note")
        return filled(LifeMapForm, values)

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

    return edit_flow(
        case,
        "life_map",
        make,
        "life_map",
        save,
        _("De levenskaart is opgeslagen."),
        _("Levenskaart wijzigen"),
    )
