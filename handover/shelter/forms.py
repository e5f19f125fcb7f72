"""The shelter point's form: one item of the checklist ticked, with its note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from handover.shelter.service import NOTE_MAX
from portal.forms import Form


class TickForm(Form):
    note = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=NOTE_MAX)])
