"""Forms for accepting and activating a covenant version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from portal.covenant.service import REASON_MAX, REASON_MIN


class AcceptForm(FlaskForm):
    #: The hash of the text the admin read; the service refuses a mismatch.
    sha256 = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    confirm = BooleanField(
        _l("Ik heb deze versie gelezen en aanvaard haar namens mijn organisatie."),
        validators=[DataRequired(message=_l("Vink aan dat u deze versie aanvaardt."))],
    )


class ActivateForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden"),
        validators=[
            DataRequired(message=_l("Geef een reden.")),
            Length(
                min=REASON_MIN,
                max=REASON_MAX,
                message=_l("Geef een reden van %(min)d tot %(max)d tekens."),
            ),
        ],
    )
