"""Signals from a partner's system: the rows of the monthly arrears file as JSON.

The signals are written as the VNG model's file and go through the file's own parser, so
the API and the upload refuse exactly the same values (dates, amounts, control characters,
a BSN twice) and the same all-or-nothing rule holds: one refused signal refuses the batch,
each refusal named by its place (``/signals/3/birth_date``) and reason, never its value.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint
from flask_babel import gettext as _
from spectree import Response as Answers

from portal.access import client
from portal.accounts.models import Organisation
from portal.api.edge import api_actor, body, idempotent, json_response
from portal.api.openapi import spec
from portal.api.problems import FieldError, problem
from portal.api.schemas import Problem, SignalIn, SignalOutcome, SignalsIn, SignalsOut
from portal.cases import signal_csv
from portal.cases.intake import import_signals, signal_from_row
from portal.errors import NotFound
from portal.extensions import db

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")

#: The VNG file's column for each field of ``SignalIn``.
COLUMNS = {
    "bsn": "Burgerservicenummer",
    "initials": "Voorletters",
    "prefix": "Voorvoegsel",
    "surname": "Achternaam",
    "birth_date": "Geboortedatum",
    "street": "Straatnaam",
    "house_number": "Huisnummer",
    "house_number_suffix": "Huisnummertoevoeging",
    "postcode": "Postcode",
    "city": "Plaatsnaam",
    "arrears_cents": "bedrag",
    "arrears_since": "ontstaansdatum",
    "signal_date": "signaaldatum",
    "tenant_number": "tenant_number",
    "arrears_months": "arrears_months",
    "phone": "phone",
    "email": "email",
}
FIELDS = {column: name for name, column in COLUMNS.items()}
#: The header row and the first signal's line in the file the signals are written as.
FIRST_LINE = 2


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if name == "arrears_cents":
        cents = int(str(value))  # a validated whole number of cents
        return f"{cents // 100},{cents % 100:02d}"
    return str(value)


def as_monthly_file(signals: list[SignalIn]) -> bytes:
    """The signals as the monthly file in the VNG model's columns (UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS.values())
    for signal in signals:
        values = signal.model_dump()
        writer.writerow(_cell(name, values[name]) for name in COLUMNS)
    return out.getvalue().encode("utf-8")


def _pointer(error: signal_csv.RowError) -> str:
    if error.line < FIRST_LINE:
        return "/signals"
    field = FIELDS.get(error.column, "")
    return f"/signals/{error.line - FIRST_LINE}" + (f"/{field}" if field else "")


@bp.post("/signals")
@client("signals:write")
@idempotent
@spec.validate(
    json=SignalsIn,
    resp=Answers(
        HTTP_201=SignalsOut,
        HTTP_401=Problem,
        HTTP_403=Problem,
        HTTP_409=Problem,
        HTTP_422=Problem,
        HTTP_429=Problem,
    ),
    tags=["signals"],
    security={"oauth2": ["signals:write"]},
)
def post_signals():
    """Post signals for your organisation: a new case per tenant, or the tenant's open case
    updated, as the monthly file does. All or nothing."""
    data = body(SignalsIn)
    actor = api_actor()
    parsed = signal_csv.parse(as_monthly_file(data.signals))
    if not parsed.ok:
        return problem(
            422,
            _("Signalen geweigerd"),
            _("Er is niets opgeslagen: los de fouten op en stuur alles opnieuw."),
            kind="signals-refused",
            errors=[FieldError(_pointer(e), str(e.reason)) for e in parsed.errors[:200]],
        )
    organisation = db.session.get(Organisation, actor.organisation_id)
    if organisation is None:  # a client outlived its organisation: nothing to act for
        raise NotFound()
    result = import_signals(
        db.session,
        actor,
        organisation,
        [signal_from_row(row) for row in parsed.rows],
        source="api",
    )
    db.session.commit()
    items = [
        SignalOutcome(
            index=(o.line or FIRST_LINE) - FIRST_LINE, case_reference=o.reference, created=o.created
        )
        for o in result.outcomes
    ]
    return json_response(
        SignalsOut(created=result.created, updated=result.updated, items=items).model_dump(
            mode="json"
        ),
        201,
    )
