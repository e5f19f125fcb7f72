"""Forms of the consent pages. The per-recipient category choices are dynamic (they come
from the covenant), so the views read those checkboxes from ``request.form`` and the
service validates them; these forms hold the fixed fields (and the CSRF token)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from consent.models import MANDATES
from consent.service import LANGUAGES, MANDATE_LABELS, VALIDITY_DAYS
from portal.forms import Form
from portal.i18n import LANGUAGE_NAMES


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class CodeForm(Form):
    """The one-time code and the birth date (day, month, year: easy on any phone)."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Vul de code in.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("De code heeft 6 cijfers.")),
        ],
    )
    day = IntegerField(
        _l("Dag"),
        validators=[
            DataRequired(message=_l("Vul uw geboortedatum in.")),
            NumberRange(1, 31, message=_l("Vul een echte datum in.")),
        ],
    )
    month = IntegerField(
        _l("Maand"),
        validators=[
            DataRequired(message=_l("Vul uw geboortedatum in.")),
            NumberRange(1, 12, message=_l("Vul een echte datum in.")),
        ],
    )
    year = IntegerField(
        _l("Jaar"),
        validators=[
            DataRequired(message=_l("Vul uw geboortedatum in.")),
            NumberRange(1900, 2100, message=_l("Vul het jaar met 4 cijfers in.")),
        ],
    )

    def birth_date(self) -> date | None:
        try:
            return date(self.year.data, self.month.data, self.day.data)
        except (TypeError, ValueError):
            return None

    def date_errors(self) -> list[str]:
        errors = [*self.day.errors, *self.month.errors, *self.year.errors]
        return list(dict.fromkeys(str(e) for e in errors))


class ReturnForm(Form):
    contact = StringField(
        _l("Uw mobiele nummer of e-mailadres"),
        validators=[
            DataRequired(message=_l("Vul uw mobiele nummer of e-mailadres in.")),
            Length(max=254, message=_l("Dit is te lang.")),
        ],
    )


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def _validity_choices() -> list[SelectChoice]:
    labels = {
        90: _l("3 maanden"),
        180: _l("6 maanden"),
        365: _l("1 jaar"),
        730: _l("2 jaar"),
    }
    return [SelectChoice(days, labels[days]) for days in VALIDITY_DAYS]


def _mandate_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Geen: de huurder zelf"))] + [
        SelectChoice(m, MANDATE_LABELS[m]) for m in MANDATES
    ]


class _Common(Form):
    """Fields a professional fills in for every consent: who, language, period, representative."""

    person = SelectField(_l("Wie geeft toestemming?"), coerce=int)
    language = SelectField(_l("Taal"), choices=_language_choices(), default="nl")
    valid_days = SelectField(
        _l("Hoe lang geldt de toestemming?"), coerce=int, choices=_validity_choices(), default=365
    )
    rep_mandate = SelectField(
        _l("Wettelijk vertegenwoordiger"), choices=_mandate_choices(), default=""
    )
    rep_name = StringField(
        _l("Naam van de vertegenwoordiger"), validators=[Optional(), Length(max=200)]
    )


class RequestForm(_Common):
    rep_email = StringField(
        _l("E-mailadres van de vertegenwoordiger"), validators=[Optional(), Length(max=254)]
    )
    rep_phone = StringField(
        _l("Mobiel nummer van de vertegenwoordiger"), validators=[Optional(), Length(max=40)]
    )


class OfflineForm(_Common):
    method = RadioField(
        _l("Hoe gaf de huurder toestemming?"),
        choices=[
            SelectChoice("verbal", _l("Mondeling (een collega bevestigt het daarna)")),
            SelectChoice("paper", _l("Op papier, getekend (voeg de scan toe)")),
        ],
        validators=[DataRequired(message=_l("Kies hoe de toestemming is gegeven."))],
    )
    notes = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=2000)])
    scan = FileField(_l("Scan van het getekende formulier"))


class WithdrawForm(Form):
    method = RadioField(
        _l("Hoe trok de huurder de toestemming in?"),
        choices=[SelectChoice("verbal", _l("Mondeling")), SelectChoice("paper", _l("Op papier"))],
        validators=[DataRequired(message=_l("Kies hoe de toestemming is ingetrokken."))],
    )
