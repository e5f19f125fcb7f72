"""The forms of a nuisance file: a report, an agreement with the tenant, following it up."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from handover.nuisance.labels import KIND_LABELS, SOURCE_LABELS
from handover.nuisance.models import KINDS, SOURCES
from handover.nuisance.service import SHORT_MAX, TEXT_MAX
from portal.forms import Form


class ReportForm(Form):
    reported_on = DateField(
        _l("Datum van de melding"),
        validators=[InputRequired(message=_l("Vul de datum van de melding in."))],
    )
    kind = SelectField(
        _l("Soort overlast"),
        choices=[SelectChoice(code, KIND_LABELS[code]) for code in KINDS],
        validators=[InputRequired(message=_l("Kies wat voor overlast het is."))],
    )
    source = RadioField(
        _l("Wie meldde het?"),
        choices=[SelectChoice(code, SOURCE_LABELS[code]) for code in SOURCES],
        validators=[InputRequired(message=_l("Kies wie de overlast meldde."))],
    )
    description = TextAreaField(
        _l("Wat is er gebeurd?"),
        validators=[
            DataRequired(message=_l("Beschrijf kort wat er is gebeurd.")),
            Length(min=3, max=TEXT_MAX),
        ],
        description=_l("Feitelijk: wat, wanneer, hoe vaak. Geen naam van de melder hier."),
    )
    reporter_name = StringField(
        _l("Naam van de melder (als die bekend is)"),
        validators=[Optional(), Length(max=SHORT_MAX)],
        description=_l("Blijft bij uw organisatie: de huurder en de partners zien dit nooit."),
    )
    reporter_contact = StringField(
        _l("Telefoon of e-mail van de melder"),
        validators=[Optional(), Length(max=SHORT_MAX)],
    )


class AgreementForm(Form):
    made_on = DateField(
        _l("Afgesproken op"),
        validators=[InputRequired(message=_l("Vul de datum van de afspraak in."))],
    )
    text = TextAreaField(
        _l("Wat is afgesproken?"),
        validators=[
            DataRequired(message=_l("Schrijf op wat is afgesproken.")),
            Length(min=3, max=TEXT_MAX),
        ],
        description=_l("In woorden die de huurder ook begrijpt."),
    )
    until = DateField(_l("Geldt tot (niet verplicht)"), validators=[Optional()])


class SettleForm(Form):
    """Kept or broken: the button pressed says which."""
