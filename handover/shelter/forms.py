"""The shelter hand-over's forms: the shelter point ticks one item of the checklist, with its
note; the owner refers the family again after the referral ended."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from handover.shelter.service import NOTE_MAX, REFER_NOTE_MAX
from portal.forms import Form


class TickForm(Form):
    note = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=NOTE_MAX)])


class ReferAgainForm(Form):
    """The choices are the partners with the shelter role (the view fills them in)."""

    recipient = RadioField(
        _l("Bij welk meldpunt?"),
        coerce=int,
        validators=[InputRequired(message=_l("Kies een meldpunt opvang."))],
    )
    note = TextAreaField(
        _l("Toelichting voor het meldpunt (niet verplicht)"),
        validators=[Optional(), Length(max=REFER_NOTE_MAX)],
        description=_l(
            "Bijvoorbeeld wat u met het meldpunt hebt afgesproken. Het huishouden en de datum "
            "van de ontruiming gaan al mee."
        ),
    )
