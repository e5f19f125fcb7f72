"""The forms of a housing-fraud investigation (the rules are the service's; these parse)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from handover.fraud.labels import ENTRY_LABELS, OUTCOME_LABELS, SUSPICION_LABELS
from handover.fraud.models import ENTRY_KINDS, OUTCOMES, SUSPICIONS
from handover.fraud.service import NAME_MAX, NOTE_MAX, TEXT_MAX
from portal.forms import Form


class OpenForm(Form):
    suspicion = RadioField(
        _l("Wat wordt er vermoed?"),
        choices=[SelectChoice(code, SUSPICION_LABELS[code]) for code in SUSPICIONS],
        validators=[InputRequired(message=_l("Kies wat er vermoed wordt."))],
    )
    opened_on = DateField(
        _l("Onderzoek gestart op"),
        validators=[InputRequired(message=_l("Vul een datum in."))],
    )
    grounds = TextAreaField(
        _l("Aanleiding"),
        description=_l("Waarom is er een vermoeden? Bijvoorbeeld een melding van buren."),
        validators=[DataRequired(message=_l("Vul de aanleiding in.")), Length(max=TEXT_MAX)],
    )


class EntryForm(Form):
    kind = RadioField(
        _l("Wat legt u vast?"),
        choices=[SelectChoice(code, ENTRY_LABELS[code]) for code in ENTRY_KINDS],
        validators=[InputRequired(message=_l("Kies wat u vastlegt."))],
    )
    happened_on = DateField(
        _l("Datum"), validators=[InputRequired(message=_l("Vul een datum in."))]
    )
    visitors = StringField(
        _l("Wie gingen op huisbezoek?"),
        description=_l("Alleen bij een huisbezoek: namen en functies."),
        validators=[Optional(), Length(max=NAME_MAX)],
    )
    text = TextAreaField(
        _l("Wat is er gevonden, gezien of gezegd?"),
        description=_l("Feitelijk: wat u zelf zag of hoorde, en van wie iets anders komt."),
        validators=[DataRequired(message=_l("Vul dit in.")), Length(max=TEXT_MAX)],
    )


class OutcomeForm(Form):
    outcome = RadioField(
        _l("Uitkomst"),
        choices=[SelectChoice(code, OUTCOME_LABELS[code]) for code in OUTCOMES],
        validators=[InputRequired(message=_l("Kies de uitkomst."))],
    )
    decided_on = DateField(
        _l("Datum van de uitkomst"), validators=[InputRequired(message=_l("Vul een datum in."))]
    )
    motivation = TextAreaField(
        _l("Motivering"),
        description=_l("Waarom deze uitkomst? Dit komt in het dossier voor de rechter."),
        validators=[DataRequired(message=_l("Motiveer de uitkomst.")), Length(max=TEXT_MAX)],
    )


class SubtenantForm(Form):
    surname = StringField(
        _l("Achternaam"),
        validators=[DataRequired(message=_l("Vul een achternaam in.")), Length(max=NAME_MAX)],
    )
    initials = StringField(_l("Voorletters"), validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Telefoonnummer"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mailadres"), validators=[Optional(), Length(max=NAME_MAX)])
    note = TextAreaField(
        _l("Situatie"),
        description=_l(
            "Bijvoorbeeld: wat betaalt hij of zij, en is er een andere plek om te wonen?"
        ),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )


class ReferForm(Form):
    help = RadioField(
        _l("Doorverwijzen naar"), validators=[InputRequired(message=_l("Kies een organisatie."))]
    )
    note = TextAreaField(
        _l("Bericht aan de organisatie (niet verplicht)"),
        validators=[Optional(), Length(max=2000)],
    )
