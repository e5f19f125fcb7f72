"""Forms of the case room. They check the shape of the input; the services check the rules
(and normalise BSN, postcode, phone...), so a form and the import share one set of rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal import numbers
from portal.cases.labels import choices
from portal.cases.models import LIFE_DOMAINS
from portal.forms import Form
from portal.workdays import local_today

TEXT = 200
NOTE = 500


class AmountField(StringField):
    """Euros as people write them (1.250,50 or 1250.50); ``cents`` holds the whole cents."""

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        self.cents: int | None = None

    def pre_validate(self, form: FlaskForm) -> None:
        text = (self.data or "").strip()
        self.cents = None
        if not text:
            if self.required:
                raise ValidationError(_l("Vul een bedrag in."))
            return
        try:
            self.cents = numbers.parse_cents(text)
        except numbers.AmountTooHigh as exc:
            raise ValidationError(numbers.too_high_message()) from exc
        except numbers.AmountError as exc:
            raise ValidationError(_l("Dit bedrag klopt niet. Schrijf het als 1250,00.")) from exc


class MonthsField(StringField):
    """A number of months, 0..999, in ASCII digits (``int()`` would also take "١٢" or "1_0");
    ``number`` holds it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number: int | None = None

    def pre_validate(self, form: FlaskForm) -> None:
        text = (self.data or "").strip()
        self.number = None
        if not text:
            return
        self.number = numbers.parse_int(text, low=0, high=999)
        if self.number is None:
            raise ValidationError(_l("Vul een aantal maanden in (0 of meer)."))


def _date(label: Any, required: bool = False) -> DateField:
    return DateField(
        label,
        validators=[
            InputRequired(message=_l("Vul een datum in.")) if required else Optional(),
        ],
    )


def not_in_future(form: Any, field: Field) -> None:
    if isinstance(field.data, date) and field.data > local_today():
        raise ValidationError(_l("Een geboortedatum ligt niet in de toekomst."))


def _text(label: Any, required: bool = False, limit: int = TEXT) -> StringField:
    message = _l("Dit is te lang: hoogstens %(max)d tekens.")
    first = DataRequired(message=_l("Vul dit in.")) if required else Optional()
    return StringField(label, validators=[first, Length(max=limit, message=message)])


class PersonFields:
    """The fields of a household member (mixed into the forms that need them)."""

    surname = StringField(
        _l("Achternaam"),
        validators=[
            DataRequired(message=_l("Vul een achternaam in.")),
            Length(max=TEXT, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )
    initials = _text(_l("Voorletters"), limit=20)
    birth_date = DateField(_l("Geboortedatum"), validators=[Optional(), not_in_future])
    bsn = _text(_l("BSN"), limit=20)
    phone = _text(_l("Telefoonnummer"), limit=30)
    email = _text(_l("E-mailadres"), limit=254)
    street = _text(_l("Straat"))
    house_number = _text(_l("Huisnummer"), limit=20)
    postcode = _text(_l("Postcode"), limit=10)
    city = _text(_l("Woonplaats"), limit=80)


class NewCaseForm(PersonFields, Form):
    signal_kinds = SelectMultipleField(
        _l("Signaal"),
        choices=choices("signal_kind"),
        validators=[DataRequired(message=_l("Kies minstens één signaal."))],
    )
    signal_date = _date(_l("Datum van het signaal"), required=True)
    tenant_number = _text(_l("Huurdernummer"), limit=40)
    arrears_amount = AmountField(_l("Huurachterstand (euro)"))
    arrears_months = MonthsField(_l("Aantal maanden achterstand"))
    arrears_since = _date(_l("Achterstand sinds"))


class CaseForm(Form):
    status = SelectField(_l("Status"), choices=choices("status"))
    signal_kinds = SelectMultipleField(
        _l("Signaal"),
        choices=choices("signal_kind"),
        validators=[DataRequired(message=_l("Kies minstens één signaal."))],
    )
    tenant_number = _text(_l("Huurdernummer"), limit=40)
    arrears_amount = AmountField(_l("Huurachterstand (euro)"))
    arrears_months = MonthsField(_l("Aantal maanden achterstand"))
    arrears_since = _date(_l("Achterstand sinds"))


class PersonForm(PersonFields, Form):
    relation = SelectField(
        _l("Wie is dit in het huishouden?"),
        choices=choices("relation", blank=_l("Kies")),
        default="",
    )
    minor = BooleanField(_l("Minderjarig (jonger dan 18 jaar)"))


def _note() -> TextAreaField:
    """A groundwork item's short note: contact history, so kept short and factual."""
    return TextAreaField(
        _l("Korte notitie"),
        description=_l("Kort en feitelijk. Hoogstens 500 tekens."),
        validators=[
            Optional(),
            Length(max=NOTE, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )


class ContactAttemptForm(Form):
    attempted_on = _date(_l("Datum"), required=True)
    channel = RadioField(
        _l("Hoe"),
        choices=choices("channel"),
        validators=[InputRequired(message=_l("Kies hoe u contact zocht."))],
    )
    outcome = RadioField(
        _l("Resultaat"),
        choices=choices("outcome"),
        validators=[InputRequired(message=_l("Kies het resultaat."))],
    )
    note = _note()


class LetterForm(Form):
    """A letter to the tenant, with the two facts the Wgs asks of it (asked as yes or no, so
    nothing counts as done by leaving a box empty)."""

    sent_on = _date(_l("Verstuurd op"), required=True)
    kind = RadioField(
        _l("Soort brief"),
        choices=choices("letter_kind"),
        validators=[InputRequired(message=_l("Kies de soort brief."))],
    )
    points_to_help = RadioField(
        _l("Wees de brief de huurder op schuldhulp?"),
        choices=choices("yes_no"),
        validators=[InputRequired(message=_l("Kies ja of nee."))],
    )
    data_offer = RadioField(
        _l("Bood de brief aan de gegevens door te geven aan de gemeente?"),
        choices=choices("yes_no"),
        validators=[InputRequired(message=_l("Kies ja of nee."))],
    )
    note = _note()


class AgreementForm(Form):
    amount = AmountField(_l("Bedrag per maand (euro)"), required=True)
    starts_on = _date(_l("Ingangsdatum"), required=True)
    status = SelectField(_l("Status"), choices=choices("agreement_status"))
    note = TextAreaField(
        _l("Notitie"),
        validators=[
            Optional(),
            Length(max=NOTE, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )


class FinancesForm(Form):
    income_source = SelectField(
        _l("Bron van inkomen"),
        choices=choices("income_source", blank=_l("Niet bekend")),
        default="",
    )
    income = AmountField(_l("Netto inkomen per maand (euro)"))
    debts = AmountField(_l("Bekende schulden, totaal (euro)"))
    debts_note = TextAreaField(
        _l("Welke schulden (schuldeisers)"),
        validators=[
            Optional(),
            Length(max=NOTE, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )
    debt_support = SelectField(
        _l("Is schuldhulp al betrokken?"),
        choices=choices("debt_support", blank=_l("Niet bekend")),
        default="",
    )


def life_map_form_class() -> type[FlaskForm]:
    """A form with a status and a note per life domain (``<domain>-status``, ``-note``)."""

    class LifeMapForm(Form):
        pass

    for domain in LIFE_DOMAINS:
        setattr(
            LifeMapForm,
            f"{domain}-status",
            SelectField(
                _l("Hoe gaat het?"),
                choices=choices("life_status", blank=_l("Niet ingevuld")),
                default="",
            ),
        )
        setattr(
            LifeMapForm,
            f"{domain}-note",
            StringField(
                _l("Notitie"),
                validators=[
                    Optional(),
                    Length(max=300, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
                ],
            ),
        )
    return LifeMapForm


LifeMapForm = life_map_form_class()


class SearchForm(Form):
    term = StringField(
        _l("Zoek op casusnummer, BSN of postcode met huisnummer"),
        validators=[
            DataRequired(message=_l("Vul een casusnummer, BSN of postcode met huisnummer in.")),
            Length(max=40, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )


class ImportForm(Form):
    file = FileField(
        _l("Bestand met signalen (CSV)"),
        validators=[FileRequired(message=_l("Kies een bestand."))],
    )


class ActionForm(Form):
    """A button that only needs the CSRF token (remove a household member)."""


class AnswerForm(Form):
    """A partner's answer to the tenant's question: she reads it on her own page."""

    answer = TextAreaField(
        _l("Uw antwoord aan de huurder"),
        description=_l("De huurder leest dit zelf. Schrijf in gewone woorden."),
        validators=[
            DataRequired(message=_l("Schrijf eerst een antwoord.")),
            Length(max=2000, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )


class MandateForm(Form):
    """A legal representative from the court's decision."""

    person_id = SelectField(_l("Voor wie"), coerce=int, validate_choice=True)
    kind = RadioField(
        _l("Soort vertegenwoordiging"),
        choices=choices("mandate"),
        validators=[InputRequired(message=_l("Kies het soort vertegenwoordiging."))],
    )
    name = _text(_l("Naam van de vertegenwoordiger"), required=True)
    phone = StringField(
        _l("Mobiel nummer van de vertegenwoordiger"),
        description=_l("Hierheen gaat de code om in te loggen. Vul dit of het e-mailadres in."),
        validators=[Optional(), Length(max=40)],
    )
    email = _text(_l("E-mailadres van de vertegenwoordiger"), limit=200)
    since = _date(_l("Datum van de uitspraak"), required=True)
    evidence = StringField(
        _l("Kenmerk van de uitspraak"),
        description=_l("Het zaaknummer op de beschikking van de rechtbank."),
        validators=[DataRequired(message=_l("Vul dit in.")), Length(max=120)],
    )


def field_for(form: FlaskForm, name: str | None) -> Field | None:
    """The form field a service error names (services use model names, forms field names)."""
    aliases = {
        "arrears": "arrears_amount",
        "arrears_cents": "arrears_amount",
        "amount": "amount",
        "income": "income",
        "debts": "debts",
        "household": None,
        "address": "postcode",  # a look-up by address names the postcode's field
    }
    if not name:
        return None
    target = aliases.get(name, name)
    return form._fields.get(target) if target else None
