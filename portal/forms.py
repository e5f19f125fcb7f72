"""What every case, referral, decision and consent form refuses, whatever its fields.

Control characters (a NUL, an escape, a bell) have no place in a name, an address or a note:
pasted from another system they end up invisible in letters, PDFs and CSV exports, or break
them. Dates far outside a household's life (year 1, year 9999) are typing errors, and date
arithmetic on them fails. Each form class would have to remember both checks on each field;
deriving from ``Form`` does it for all of them, in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

#: Unicode control characters (category Cc); text areas may keep tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The years a date in a form may have.
FIRST_YEAR = 1900
LAST_YEAR = 2100


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    return bool((_CONTROL_IN_TEXT if multiline else _CONTROL).search(text))


def plain_text(form: Any, field: Field) -> None:
    if isinstance(field.data, str) and has_control_characters(
        field.data, multiline=isinstance(field, TextAreaField)
    ):
        raise ValidationError(_l("Hier staat een onzichtbaar stuurteken in. Typ de tekst opnieuw."))


def sensible_date(form: Any, field: Field) -> None:
    if isinstance(field.data, date) and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(
            _l("Vul een datum in tussen %(first)s en %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def _checks(field: Field) -> list[Any]:
    if isinstance(field, PasswordField):  # a password is compared, never shown
        return []
    if isinstance(field, StringField):
        return [plain_text]
    if isinstance(field, DateField):
        return [sensible_date]
    return []


class Form(FlaskForm):
    """A ``FlaskForm`` that checks every text field for control characters and every date
    field for a year between ``FIRST_YEAR`` and ``LAST_YEAR``.

    The checks run after the fields' own validators, not among them: ``Optional()`` stops a
    field's chain for "blank" input, and Python counts some control characters (``\x1f``)
    as blank.
    """

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        ok = super().validate(extra_validators=extra_validators)
        for field in self._fields.values():
            for check in _checks(field):
                try:
                    check(self, field)
                except ValidationError as exc:
                    field.errors.append(exc.args[0])
                    ok = False
        return ok
