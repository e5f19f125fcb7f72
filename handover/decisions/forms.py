"""Forms for joint decisions (Flask-WTF: every form carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from handover.decisions import labels
from handover.decisions.models import COURT_STATUSES, GROUNDS, POSITIONS, TIMELINE_KINDS
from handover.decisions.service import MAX_MONTHS, TEXT_MAX, TEXT_MIN
from portal.forms import Form


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, *, required: bool = True, description=None) -> TextAreaField:
    validators = (
        [DataRequired(), Length(min=TEXT_MIN, max=TEXT_MAX)]
        if required
        else [Optional(), Length(max=TEXT_MAX)]
    )
    return TextAreaField(label, validators=validators, description=description)


class VersionedForm(Form):
    """The version the user saw, so a stale button is refused."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class OpenDecisionForm(Form):
    kind = SelectField(_l("Soort besluit"), validators=[DataRequired()])
    grounds = MultiCheckboxField(
        _l("Gronden"),
        choices=[SelectChoice(code, labels.GROUNDS[code]) for code in GROUNDS],
        validators=[DataRequired(message=_l("Kies minstens één grond."))],
    )
    court_status = RadioField(
        _l("Stand van de rechtszaak"),
        choices=[SelectChoice(code, labels.COURT_STATUSES[code]) for code in COURT_STATUSES],
        default="none",
        validators=[DataRequired()],
    )
    judgment_date = DateField(_l("Datum van het vonnis"), validators=[Optional()])
    motivation = _text(
        _l("Waarom dit besluit nu?"),
        description=_l("Kort en feitelijk. De gegevens uit het portaal komen er vanzelf bij."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        date_field = self.judgment_date
        if self.court_status.data == "judgment" and date_field.data is None:
            if not date_field.errors:
                date_field.errors = [*date_field.errors, _l("Vul de datum van het vonnis in.")]
            ok = False
        return ok


class ConfirmStepForm(VersionedForm):
    motivation = _text(
        _l("Motivering"),
        description=_l("Wat is er gedaan, en waarom is dat genoeg? Noem ook wat ontbreekt."),
    )


class HearingForm(VersionedForm):
    how = RadioField(
        _l("Hoe is de huurder gehoord?"),
        choices=[SelectChoice(code, text) for code, text in labels.HEARD.items()],
        validators=[InputRequired(message=_l("Kies hoe de huurder is gehoord."))],
    )
    note = _text(
        _l("Hoe ging dat?"),
        description=_l(
            "Wie sprak de huurder, wanneer, en wat zei de huurder in het kort?"
            " Of: wat is geprobeerd."
        ),
    )


class TrajectoryForm(VersionedForm):
    kind = SelectField(_l("Traject"), validators=[DataRequired()])
    months = IntegerField(
        _l("Duur in maanden"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)],
    )
    conditions = _text(_l("Voorwaarden"))
    support_agreement = _text(
        _l("Afspraken over hulp"),
        description=_l("Bijvoorbeeld: begeleid wonen en een budgetcoach."),
    )


class VoteForm(Form):
    #: The version of the organisation's vote the user saw: a colleague's vote is not
    #: overwritten by accident.
    voter_version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    position = RadioField(
        _l("Uw stem"),
        choices=[SelectChoice(code, labels.POSITIONS[code]) for code in POSITIONS],
        validators=[DataRequired(message=_l("Kies eens, oneens of onthouding."))],
    )
    conflict_of_interest = BooleanField(
        _l("Ik onthoud mij wegens belangenverstrengeling (dan telt onze stem niet mee)")
    )
    motivation = _text(_l("Motivering"))


class DissentForm(Form):
    text = _text(_l("Uw afwijkend standpunt"))


class TimelineForm(Form):
    kind = SelectField(
        _l("Wat"),
        choices=[SelectChoice(code, labels.TIMELINE_KINDS[code]) for code in TIMELINE_KINDS],
        validators=[DataRequired()],
    )
    happens_on = DateField(_l("Datum"), validators=[InputRequired()])
    note = _text(_l("Toelichting (niet verplicht)"), required=False)


class TenancyForm(Form):
    signed_on = DateField(_l("Ondertekend op"), validators=[InputRequired()])
    note = _text(_l("Toelichting (niet verplicht)"), required=False)


class BailiffForm(Form):
    instructed_on = DateField(
        _l("Opdracht gegeven op"),
        validators=[InputRequired()],
        description=_l("De dag waarop uw organisatie de deurwaarder de opdracht gaf."),
    )


class WithdrawForm(VersionedForm):
    reason = _text(_l("Reden"))
