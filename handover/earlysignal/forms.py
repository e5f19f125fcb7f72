"""Forms for the municipality's work on a signal (Flask-WTF: every form carries its CSRF
token; ``portal.forms.Form`` refuses control characters and impossible years)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from handover.earlysignal.labels import ATTEMPT_KIND_LABELS, DAY_PART_LABELS, OUTCOME_LABELS
from handover.earlysignal.models import ATTEMPT_KINDS, DAY_PARTS, OUTCOMES, REASON_REQUIRED
from handover.forms import VersionedForm
from handover.service import REASON_MAX
from portal.forms import Form

#: The longest period one monitor export covers (the monitor asks per quarter or year).
MONITOR_MAX_DAYS = 366


class PickUpForm(VersionedForm):
    picked_up_on = DateField(
        _l("Opgepakt op"),
        validators=[Optional()],
        description=_l("Leeg laten voor vandaag."),
    )


class AttemptForm(Form):
    """A contact attempt: the model's kind, reached or not, the date and the part of day (or
    the time, from which the part of day follows)."""

    kind = SelectField(
        _l("Soort contactpoging"),
        # No kind chosen in advance: a wrong one saved by a quick click would count in the
        # national monitor.
        choices=[SelectChoice("", "—")]
        + [SelectChoice(code, ATTEMPT_KIND_LABELS[code]) for code in ATTEMPT_KINDS],
        default="",
        validators=[DataRequired(_l("Kies de soort contactpoging."))],
    )
    reached = RadioField(
        _l("Bereikt?"),
        choices=[SelectChoice("yes", _l("Ja, bereikt")), SelectChoice("no", _l("Nee"))],
        validators=[InputRequired(_l("Kies of de inwoner bereikt is."))],
    )
    attempted_on = DateField(_l("Datum"), validators=[InputRequired(_l("Vul een datum in."))])
    at = TimeField(
        _l("Tijd"),
        validators=[Optional()],
        description=_l("Het dagdeel volgt uit de tijd."),
    )
    day_part = SelectField(
        _l("Of kies het dagdeel"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(code, DAY_PART_LABELS[code]) for code in DAY_PARTS],
        default="",
    )

    def validate_day_part(self, field: SelectField) -> None:
        if not field.data and self.at.data is None:
            raise ValidationError(_l("Kies het dagdeel, of vul de tijd in."))


class OutcomeForm(VersionedForm):
    outcome = SelectField(
        _l("Uitkomst"),
        # Nothing chosen beforehand: a press on "Opslaan" must not close the signal with
        # whatever outcome happens to come first.
        choices=[SelectChoice("", "—")]
        + [SelectChoice(code, OUTCOME_LABELS[code]) for code in OUTCOMES],
        default="",
        validators=[DataRequired(_l("Kies een uitkomst."))],
    )
    reason = TextAreaField(
        _l("Reden (alleen voor de gemeente)"),
        validators=[Length(max=REASON_MAX)],
        description=_l("Nodig bij 'Niet opgepakt: andere reden'. De melder ziet deze reden nooit."),
    )
    outcome_on = DateField(
        _l("Datum"), validators=[Optional()], description=_l("Leeg laten voor vandaag.")
    )

    def validate_reason(self, field: TextAreaField) -> None:
        if self.outcome.data in REASON_REQUIRED and len((field.data or "").strip()) < 3:
            raise ValidationError(_l("Geef een korte reden."))


class DebtHelpForm(VersionedForm):
    purpose = SelectField(_l("Doel"), validators=[DataRequired()])
    recipient = SelectField(_l("Naar"), coerce=int, validators=[DataRequired()])
    note = TextAreaField(_l("Notitie"), validators=[Optional(), Length(max=REASON_MAX)])


class MonitorForm(Form):
    """The period of a monitor export (asked in the query string: a download, not a change)."""

    class Meta:
        csrf = False

    van = DateField(_l("Van"), validators=[InputRequired(_l("Vul een datum in."))])
    tot = DateField(_l("Tot en met"), validators=[InputRequired(_l("Vul een datum in."))])
    formaat = RadioField(
        _l("Bestand"),
        choices=[
            SelectChoice("json", _l("JSON (voor de monitor)")),
            SelectChoice("csv", _l("CSV (voor een spreadsheet)")),
        ],
        default="json",
    )

    def validate_tot(self, field: DateField) -> None:
        start = self.van.data
        if start is None or field.data is None:
            return
        if field.data < start:
            raise ValidationError(_l("De einddatum ligt voor de begindatum."))
        if (field.data - start).days >= MONITOR_MAX_DAYS:
            raise ValidationError(_l("Kies een periode van hoogstens een jaar."))
