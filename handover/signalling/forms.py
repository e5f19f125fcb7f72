"""Forms of early signalling's pages (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from handover.signalling.service.objections import NOTE_MAX
from portal.forms import Form


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class ObjectionForm(Form):
    note = TextAreaField(
        _l("Wat zei de huurder? (kort, niet verplicht)"),
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("Dit is te lang: hoogstens %(max)d tekens.")),
        ],
    )


class ReportForm(Form):
    """Reporting the chosen cases (the ``case`` check boxes are read by the view)."""

    crisis = BooleanField(
        _l("Crisissignaal: de situatie is dreigend (gemeente reageert binnen enkele werkdagen)")
    )
    warm_handover = BooleanField(
        _l("Warme overdracht: wij hebben al contact, neem het van ons over")
    )
