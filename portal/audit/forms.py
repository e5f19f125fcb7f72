"""The auditor's filter form: a GET form (bookmarkable, no CSRF: it changes nothing)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from portal.audit.history import EventFilter

REFERENCE = re.compile(r"^KP-\d{4}-\d{6}$", re.IGNORECASE)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    van = DateField(_l("Vanaf"), validators=[Optional()])
    tot = DateField(_l("Tot en met"), validators=[Optional()])
    organisatie = SelectField(_l("Organisatie"), validators=[Optional()], validate_choice=True)
    medewerker = SelectField(
        _l("Medewerker van uw organisatie"), validators=[Optional()], validate_choice=True
    )
    actie = SelectField(_l("Actie"), validators=[Optional()], validate_choice=True)
    casus = StringField(
        _l("Casusnummer"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=20),
            Regexp(REFERENCE, message=_l("Schrijf een casusnummer als KP-2026-000123.")),
        ],
    )
    categorie = SelectField(_l("Gegevenscategorie"), validators=[Optional()], validate_choice=True)

    def validate_tot(self, field: DateField) -> None:
        if field.data and self.van.data and field.data < self.van.data:
            raise ValidationError(_l("De einddatum ligt vóór de begindatum."))

    def to_filter(self) -> EventFilter:
        def number(value: str | None) -> int | None:
            return int(value) if value else None

        return EventFilter(
            since=self.van.data,
            until=self.tot.data,
            organisation_id=number(self.organisatie.data),
            user_id=number(self.medewerker.data),
            action=self.actie.data or None,
            case_reference=(self.casus.data or "").upper() or None,
            category=self.categorie.data or None,
        )

    def query_args(self) -> dict[str, Any]:
        """The filters as URL arguments, for pagination and export links."""
        args: dict[str, Any] = {}
        for name in ("van", "tot", "organisatie", "medewerker", "actie", "casus", "categorie"):
            raw = self[name].raw_data
            if raw and raw[0]:
                args[name] = raw[0]
        return args
