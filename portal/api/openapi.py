"""The OpenAPI 3.1 document, generated from the API views and their pydantic shapes
(spectree), and the checks of every request body against them.

A body that does not fit is refused with a problem that names each field by its place
(``/signals/3/birth_date``) and the rule it broke, in the client's language; the value sent
is never echoed, nor logged.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from spectree import SpecTree

from portal.api.problems import FieldError, problem
from portal.api.schemas import SCOPE_DESCRIPTIONS

log = logging.getLogger("portal.api")

TITLE = "Ketenportaal API"
VERSION = "1.0.0"
DESCRIPTION = (
    "The partners' systems exchange signals and referrals with the Ketenportaal. "
    "Authenticate with OAuth 2.0 client credentials at /api/v1/oauth/token; every call is "
    "decided by the covenant's policy and written to the audit log under the client's name. "
    "Errors are application/problem+json (RFC 9457) in Dutch or English (Accept-Language)."
)

#: What each kind of validation error means, in words (pydantic's error types).
_RULES = {
    "missing": _l("Dit veld ontbreekt."),
    "extra_forbidden": _l("Dit veld kent de API niet."),
    "string_too_long": _l("Deze tekst is te lang."),
    "string_too_short": _l("Deze tekst is te kort of leeg."),
    "string_pattern_mismatch": _l(
        "Deze tekst bevat tekens die niet mogen, of heeft niet de goede vorm."
    ),
    "string_type": _l("Dit moet tekst zijn."),
    "int_type": _l("Dit moet een geheel getal zijn."),
    "int_parsing": _l("Dit moet een geheel getal zijn."),
    "int_from_float": _l("Dit moet een geheel getal zijn."),
    "greater_than_equal": _l("Dit getal is te klein."),
    "less_than_equal": _l("Dit getal is te groot."),
    "literal_error": _l("Deze waarde kent de API niet."),
    "date_type": _l("Dit moet een datum zijn (JJJJ-MM-DD)."),
    "date_parsing": _l("Dit moet een datum zijn (JJJJ-MM-DD)."),
    "date_from_datetime_parsing": _l("Dit moet een datum zijn (JJJJ-MM-DD)."),
    "date_from_datetime_inexact": _l("Dit moet een datum zijn (JJJJ-MM-DD)."),
    "bool_type": _l("Dit moet true of false zijn."),
    "bool_parsing": _l("Dit moet true of false zijn."),
    "list_type": _l("Dit moet een lijst zijn."),
    "too_short": _l("Deze lijst is leeg of te kort."),
    "too_long": _l("Deze lijst is te lang."),
    "model_type": _l("Dit moet een object zijn."),
    "model_attributes_type": _l("Dit moet een object zijn."),
    "dict_type": _l("Dit moet een object zijn."),
}


def _pointer(where: str, loc: tuple[Any, ...]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in loc]
    prefix = "" if where == "json" else f"#{where}"
    return prefix + "/" + "/".join(parts) if parts else prefix + "/"


def field_errors(error: ValidationError, where: str = "json") -> list[FieldError]:
    return [
        FieldError(
            _pointer(where, tuple(item["loc"])),
            str(_RULES.get(item["type"], _l("Deze waarde klopt niet."))),
        )
        for item in error.errors(include_url=False, include_input=False)
    ][:100]


def _before(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    if error is None:
        return
    where = "query" if req.method in ("GET", "DELETE") else "json"
    errors = field_errors(error, where) if isinstance(error, ValidationError) else []
    log.info("api request refused", extra={"event": "api_invalid", "errors": len(errors)})
    abort(
        problem(
            422,
            _("Het verzoek klopt niet"),
            _("Een of meer velden kloppen niet; zie errors."),
            kind="validation",
            errors=errors,
        )
    )


def _after(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    if error is not None:  # our answer does not fit our own document: a bug, named, no values
        log.error("api answer does not fit its schema", extra={"event": "api_schema_mismatch"})


def _name(model: Any) -> str:
    """A schema's name in the document: the class name (they live in one module)."""
    return str(model.__name__)


spec = SpecTree(
    "flask",
    naming_strategy=_name,
    nested_naming_strategy=lambda _parent, child: child,
    mode="strict",
    path="api/v1/doc",
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    page_templates={},
    annotations=False,
    before=_before,
    after=_after,
)

#: Status codes whose answers are problems (``application/problem+json``).
PROBLEM_CODES = ("400", "401", "403", "404", "409", "412", "415", "422", "429")


def document(token_url: str) -> dict[str, Any]:
    """The OpenAPI document: spectree's, with the OAuth 2.0 scheme and problem media types."""
    doc = deepcopy(spec.spec)
    doc.setdefault("components", {})["securitySchemes"] = {
        "oauth2": {
            "type": "oauth2",
            "description": "Client credentials; a token lives 10 minutes.",
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": SCOPE_DESCRIPTIONS}},
        }
    }
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if code in PROBLEM_CODES and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
    return doc
