"""Errors as ``application/problem+json`` (RFC 9457), in Dutch or English as the client's
``Accept-Language`` asks.

A problem names what went wrong in words and, for a refused body, each field and item by
its place (``/signals/3/bsn``) with the reason: never the value that was sent, so that an
answer, a log line or an idempotency record holds no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, json
from flask_babel import lazy_gettext as _l

#: ``type`` URIs: stable, documented on the reference page.
TYPE_BASE = "https://ketenportaal.nl/problemen/"


@dataclass(frozen=True)
class FieldError:
    #: A JSON pointer into the request body, e.g. "/signals/3/bsn".
    pointer: str
    detail: str


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": str(title),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = [{"pointer": e.pointer, "detail": str(e.detail)} for e in errors]
    body.update(extra)
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/problem+json",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


#: What the error handler says for the API where a page's words would not fit ("page not
#: found"): a missing object and one of another organisation look the same.
API_MESSAGES = {
    404: (_l("Niet gevonden"), _l("Dit bestaat niet, of het is niet voor uw organisatie.")),
    405: (_l("Methode niet toegestaan"), _l("Deze methode kan hier niet.")),
}
