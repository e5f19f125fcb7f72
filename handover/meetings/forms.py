"""The forms of case meetings: plan, agenda, invitations, guests, minutes and agreements."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length

from handover.meetings.minutes import AGREEMENT_MAX, MINUTES_MAX, NAME_MAX
from handover.meetings.service import PLACE_MAX, TOPIC_MAX
from portal.forms import Form


class PlanForm(Form):
    day = DateField(_l("Datum"), validators=[InputRequired(message=_l("Vul de datum in."))])
    time = TimeField(_l("Tijd"), validators=[InputRequired(message=_l("Vul de tijd in."))])
    place = StringField(
        _l("Plaats"),
        validators=[DataRequired(message=_l("Vul in waar het overleg is.")),
                    Length(max=PLACE_MAX)],
        description=_l("Bijvoorbeeld: wijkcentrum De Linde, zaal 2."),
    )  # fmt: skip


class AgendaForm(Form):
    reference = StringField(
        _l("Casusnummer"),
        validators=[DataRequired(message=_l("Vul het casusnummer in.")), Length(max=40)],
        description=_l("Een open casus van uw organisatie, bijvoorbeeld KP-2026-000012."),
    )


class InviteForm(Form):
    organisation = SelectField(_l("Partner"), coerce=int, validators=[InputRequired()])


class TenantForm(Form):
    topic = TextAreaField(
        _l("Wat gaat u bespreken? (de huurder leest dit)"),
        validators=[DataRequired(message=_l("Schrijf op wat u gaat bespreken.")),
                    Length(max=TOPIC_MAX)],
        description=_l("In gewone woorden (B1). Bijvoorbeeld: 'We praten over de klachten van "
                       "de buren en over hulp voor u.'"),
    )  # fmt: skip


class GuestForm(Form):
    name = StringField(_l("Naam van de gast"), validators=[DataRequired(), Length(max=NAME_MAX)])
    organisation = StringField(
        _l("Organisatie"), validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("Een organisatie die het convenant niet tekende, bijvoorbeeld een school."),
    )  # fmt: skip


class SignForm(Form):
    agree = BooleanField(
        _l("Ik heb de verklaring gelezen en houd mij eraan"),
        validators=[DataRequired(message=_l("De gast moet de verklaring eerst aanvinken."))],
    )


class CloseForm(Form):
    """Closing ends the invited partners' access through this meeting at once; a tick first,
    so a click meant for another button does not close the discussion."""

    confirm = BooleanField(
        _l("Ik begrijp dat de uitgenodigde partners deze casus dan niet meer zien"),
        validators=[DataRequired(message=_l("Vink eerst aan dat u dit begrijpt."))],
    )


class MinutesForm(Form):
    minutes = TextAreaField(
        _l("Verslag van deze bespreking"),
        validators=[DataRequired(message=_l("Schrijf op wat besproken is.")),
                    Length(max=MINUTES_MAX)],
    )  # fmt: skip


class AgreementForm(Form):
    text = TextAreaField(
        _l("Wat is afgesproken?"),
        validators=[DataRequired(message=_l("Schrijf op wat is afgesproken.")),
                    Length(max=AGREEMENT_MAX)],
    )  # fmt: skip
    organisation = SelectField(_l("Wie doet het?"), coerce=int, validators=[InputRequired()])
    due_on = DateField(
        _l("Uiterlijk op"), validators=[InputRequired(message=_l("Vul de datum in."))]
    )


class AnswerForm(Form):
    """Her answer: the button pressed says which."""
