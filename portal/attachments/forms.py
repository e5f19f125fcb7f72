"""The upload form every room shows under its list of files (the room's view receives it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import Form


class AttachmentForm(Form):
    file = FileField(
        _l("Bestand"),
        description=_l("Een PDF, of een foto als JPEG of PNG, van hoogstens 10 MB."),
        validators=[FileRequired(message=_l("Kies een bestand."))],
    )
    description = TextAreaField(
        _l("Omschrijving (niet verplicht)"),
        description=_l("Wat is het, en waarom hoort het bij het dossier?"),
        validators=[Optional(), Length(max=500)],
    )


def uploaded(form: AttachmentForm) -> tuple[bytes, str | None]:
    """The file's bytes and the name it was uploaded with (read once, whole: the request's
    size limit, MAX_CONTENT_LENGTH, bounds it)."""
    storage = form.file.data
    return storage.read(), getattr(storage, "filename", None)
