"""Forms for referrals (Flask-WTF: every form carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from handover.labels import OUTCOME_LABELS
from handover.models import OUTCOMES
from handover.service import REASON_MAX
from portal.cases.tenant_input import SAY_MAX
from portal.forms import Form
from portal.workdays import local_today


class VersionedForm(Form):
    """A button on a referral: the version the user saw, so a stale click is refused."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class DatedForm(VersionedForm):
    """A step of the help on the day it happened (today unless the caseworker says otherwise),
    so a contact made yesterday and reported today keeps its own date."""

    on = DateField(
        _l("Op"), default=local_today, validators=[InputRequired(message=_l("Vul een datum in."))]
    )


class ReasonForm(VersionedForm):
    reason = TextAreaField(_l("Reden"), validators=[DataRequired(), Length(min=3, max=REASON_MAX)])


class OutcomeForm(VersionedForm):
    #: No outcome is chosen for the user: how the help ended is theirs to say.
    outcome = SelectField(
        _l("Uitkomst van de hulp"),
        choices=[
            SelectChoice("", _l("Kies de uitkomst")),
            *(SelectChoice(code, OUTCOME_LABELS[code]) for code in OUTCOMES),
        ],
        default="",
        validators=[DataRequired(message=_l("Kies hoe de hulp afliep."))],
    )


class SendForm(Form):
    purpose = SelectField(_l("Doel"), validators=[DataRequired()])
    recipient = SelectField(_l("Naar"), coerce=int, validators=[DataRequired()])
    note = TextAreaField(
        _l("Overdrachtsnotitie"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Kort: wat moet de ontvanger weten? De gegevens zelf gaan al mee."),
    )


class EscalateForm(VersionedForm):
    recipient = SelectField(_l("Naar"), coerce=int, validators=[DataRequired()])
    note = TextAreaField(
        _l("Notitie voor de volgende partner"), validators=[Optional(), Length(max=REASON_MAX)]
    )


class CheckForm(Form):
    """The receiver's word on one groundwork item: it holds, or it does not and why."""

    status = RadioField(
        _l("Klopt dit?"),
        choices=[
            SelectChoice("verified", _l("Ja, dit klopt")),
            SelectChoice("disputed", _l("Nee, dit klopt niet")),
        ],
        validators=[InputRequired(_l("Kies of het klopt of niet."))],
    )
    note = TextAreaField(
        _l("Toelichting"),
        validators=[Length(max=REASON_MAX)],
        description=_l("Nodig als iets niet klopt: wat klopt er niet?"),
    )

    def validate_note(self, field: TextAreaField) -> None:
        if self.status.data == "disputed" and len((field.data or "").strip()) < 3:
            raise ValidationError(_l("Schrijf op wat er niet klopt."))


# --- the tenant's own pages ------------------------------------------------------------------


class SayForm(Form):
    """Her view or her question for the partners on her case."""

    kind = RadioField(
        _l("Wat wilt u doen?"),
        choices=[
            SelectChoice("view", _l("Ik vertel hoe ik het zie")),
            SelectChoice("question", _l("Ik stel een vraag")),
        ],
        default="view",
        validators=[InputRequired(message=_l("Kies wat u wilt doen."))],
    )
    text = TextAreaField(
        _l("Uw bericht"),
        description=_l("Schrijf in uw eigen woorden. Hoogstens 2000 tekens."),
        validators=[
            DataRequired(message=_l("Schrijf eerst iets op.")),
            Length(max=SAY_MAX, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )


class CorrectionForm(Form):
    """Her new phone number and/or e-mail address, for the owner to confirm."""

    phone = StringField(_l("Nieuw mobiel nummer"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Nieuw e-mailadres"), validators=[Optional(), Length(max=200)])
