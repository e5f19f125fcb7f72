"""The forms of emergency access: opening one, and the privacy officer's verdict."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from handover.emergency.labels import REASON_LABELS, VERDICT_LABELS
from handover.emergency.models import REASONS, VERDICTS
from handover.emergency.service import MOTIVATION_MIN
from portal.forms import Form

TEXT_MAX = 2000


class OpenForm(Form):
    bsn = StringField(
        _l("BSN"),
        validators=[Optional(), Length(max=20)],
        description=_l("Of vul hieronder de postcode en het huisnummer in."),
    )
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)])
    house_number = StringField(_l("Huisnummer"), validators=[Optional(), Length(max=10)])
    reason = RadioField(
        _l("Waarom is iemand in gevaar?"),
        choices=[SelectChoice(code, REASON_LABELS[code]) for code in REASONS],
        validators=[InputRequired(message=_l("Kies waarom iemand in gevaar is."))],
    )
    motivation = TextAreaField(
        _l("Wat is er aan de hand?"),
        validators=[DataRequired(), Length(min=MOTIVATION_MIN, max=TEXT_MAX)],
        description=_l(
            "Kort en feitelijk: wat er gebeurt en waarom het niet kan wachten op een overdracht."
        ),
    )
    confirm = BooleanField(
        _l("Ik begrijp dat de eigenaar van de casus en zijn privacyfunctionaris dit meteen horen"),
        validators=[DataRequired(message=_l("Bevestig dat u dit begrijpt."))],
    )


class ReviewForm(Form):
    verdict = RadioField(
        _l("Uw oordeel"),
        choices=[SelectChoice(code, VERDICT_LABELS[code]) for code in VERDICTS],
        validators=[InputRequired(message=_l("Kies uw oordeel."))],
    )
    note = TextAreaField(
        _l("Toelichting (voor de organisatie die de toegang gebruikte)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
