"""The forms of a trajectory's conditions: a condition, a review, the end."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from handover.conditions.labels import END_LABELS, REVIEW_LABELS
from handover.conditions.models import END_RESULTS, REVIEW_RESULTS
from handover.conditions.service import MAX_INTERVAL_WEEKS, TEXT_MAX, TEXT_MIN
from portal.forms import Form


class ConditionForm(Form):
    what = TextAreaField(
        _l("Voorwaarde"),
        validators=[DataRequired(), Length(min=TEXT_MIN, max=TEXT_MAX)],
        description=_l("Eén afspraak uit de huurovereenkomst, kort en feitelijk."),
    )
    organisation_id = SelectField(
        _l("Wie volgt het"), coerce=int, validators=[InputRequired()], choices=[]
    )
    interval_weeks = IntegerField(
        _l("Toetsen om de hoeveel weken"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_INTERVAL_WEEKS)],
    )
    first_review_on = DateField(_l("Eerste toetsing op"), validators=[InputRequired()])


class ReviewForm(Form):
    #: The review date the page showed (its task): a second answer to it is refused.
    task = HiddenField()
    result = RadioField(
        _l("Is de voorwaarde nagekomen?"),
        choices=[SelectChoice(code, REVIEW_LABELS[code]) for code in REVIEW_RESULTS],
        validators=[InputRequired(message=_l("Kies of de voorwaarde is nagekomen."))],
    )
    note = TextAreaField(
        _l("Wat er is gebeurd"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        description=_l("Verplicht als de voorwaarde niet is nagekomen."),
    )


class EndForm(Form):
    result = RadioField(
        _l("Hoe is het traject afgelopen?"),
        choices=[SelectChoice(code, END_LABELS[code]) for code in END_RESULTS],
        validators=[InputRequired(message=_l("Kies hoe het traject is afgelopen."))],
    )
    ended_on = DateField(_l("Datum van het einde"), validators=[InputRequired()])
    motivation = TextAreaField(
        _l("Motivering"), validators=[DataRequired(), Length(min=TEXT_MIN, max=TEXT_MAX)]
    )
