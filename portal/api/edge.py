"""The API's shared edge: who calls (the client behind the bearer token), with which scope,
how often, and what a POST with an ``Idempotency-Key`` answered before.

Every API view is declared with ``portal.access.client(scope)``, so the deny-by-default hook
authenticates the token before the view runs (``authenticate``). The view then calls
services with ``api_actor()``: a staff actor of the client's organisation, named
``api:<client id>`` in the audit log, so the same policy point decides what it may see.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from authlib.oauth2 import OAuth2Error
from flask import Response, current_app, g, request
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.actor import Actor, truncate_address
from portal.api.models import ApiClient, ApiIdempotency, ApiToken
from portal.api.oauth import protector
from portal.api.problems import problem
from portal.extensions import db, limiter

F = TypeVar("F", bound=Callable[..., Any])

#: What an API client may do as a member of its organisation: casework through the API.
CLIENT_ROLES = frozenset({"caseworker"})
#: An ``Idempotency-Key``: 1 to 100 visible ASCII characters (a UUID, say).
_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def client_actor(client: ApiClient) -> Actor:
    request_id = g.get("request_id") if request else None
    return Actor(
        kind="staff",
        organisation_id=client.organisation_id,
        roles=CLIENT_ROLES,
        label=f"api:{client.client_id}",
        request_id=request_id,
        client_addr=truncate_address(request.remote_addr) if request else None,
    )


def current_client() -> ApiClient:
    return cast(ApiClient, g.api_client)


def api_actor() -> Actor:
    return client_actor(current_client())


def _oauth_problem(error: OAuth2Error) -> Response:
    status = error.status_code or 401
    titles = {
        401: _("Geen geldig toegangstoken"),
        403: _("Dit token mag dit niet"),
    }
    details = {
        "missing_authorization": _("Stuur een toegangstoken: Authorization: Bearer <token>."),
        "invalid_token": _("Het token is onbekend, verlopen of ingetrokken. Vraag een nieuw aan."),
        "insufficient_scope": _("Het token heeft niet de scope die hiervoor nodig is."),
        "unsupported_token_type": _("Gebruik een Bearer-token."),
    }
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    if "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return problem(
        status if status in titles else 401,
        titles.get(status, titles[401]),
        details.get(error.error, details["invalid_token"]),
        kind=error.error,
        headers=headers,
    )


def authenticate(scopes: frozenset[str]) -> Response | None:
    """Called by the deny-by-default hook for ``client`` endpoints: a problem, or ``None``
    with ``g.api_client`` set."""
    try:
        token: ApiToken = protector.acquire_token([" ".join(sorted(scopes))] if scopes else None)
    except OAuth2Error as error:
        return _oauth_problem(error)
    g.api_client = token.client
    limit = parse(current_app.config["API_RATELIMIT"])
    if current_app.config.get("RATELIMIT_ENABLED", True) and not limiter.limiter.hit(
        limit, "api", token.client.client_id
    ):
        return problem(
            429,
            _("Te veel verzoeken"),
            _("Dit systeem stuurde te veel verzoeken. Wacht even en probeer het dan opnieuw."),
            kind="rate-limit",
            headers={"Retry-After": "60"},
        )
    return None


# --- idempotency keys ----------------------------------------------------------------------


def _fingerprint() -> str:
    body = request.get_data(cache=True)
    return hashlib.sha256(
        b"\n".join([request.method.encode(), request.path.encode(), body])
    ).hexdigest()


def _replay(row: ApiIdempotency) -> Response:
    response = Response(row.body, status=row.status, mimetype="application/json")
    if row.status >= 400:
        response.mimetype = "application/problem+json"
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: F) -> F:
    """A POST with an ``Idempotency-Key`` acts once: the key is claimed (committed) before
    the view runs, so a second request with it, even at the same moment, does not act again;
    it gets the first answer, or 409 while the first is still running. The same key with
    another body is refused. An unexpected failure frees the key for a retry."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.fullmatch(key):
            return problem(
                400,
                _("Ongeldige Idempotency-Key"),
                _("Gebruik 1 tot 100 zichtbare ASCII-tekens, bijvoorbeeld een UUID."),
                kind="idempotency-key",
            )
        client = current_client()
        fingerprint = _fingerprint()
        found = db.session.scalar(
            select(ApiIdempotency).where(
                ApiIdempotency.client_pk == client.id, ApiIdempotency.key == key
            )
        )
        if found is None:
            claim = ApiIdempotency(
                client_pk=client.id, key=key, fingerprint=fingerprint, status=0, body=""
            )
            try:
                db.session.add(claim)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                found = db.session.scalar(
                    select(ApiIdempotency).where(
                        ApiIdempotency.client_pk == client.id, ApiIdempotency.key == key
                    )
                )
        if found is not None:
            if found.fingerprint != fingerprint:
                return problem(
                    422,
                    _("Idempotency-Key al gebruikt"),
                    _("Deze sleutel hoort bij een ander verzoek. Gebruik een nieuwe sleutel."),
                    kind="idempotency-key-reused",
                )
            if found.status == 0:
                return problem(
                    409,
                    _("Verzoek loopt nog"),
                    _("Een verzoek met deze sleutel wordt nog verwerkt. Probeer het zo opnieuw."),
                    kind="idempotency-in-progress",
                )
            return _replay(found)
        claim_id = claim.id
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            db.session.rollback()
            db.session.execute(delete(ApiIdempotency).where(ApiIdempotency.id == claim_id))
            db.session.commit()
            raise
        if response.status_code >= 500:
            db.session.rollback()
            db.session.execute(delete(ApiIdempotency).where(ApiIdempotency.id == claim_id))
        else:
            row = db.session.get(ApiIdempotency, claim_id)
            if row is not None:
                row.status = response.status_code
                row.body = response.get_data(as_text=True)
        db.session.commit()
        return response

    return cast(F, wrapper)


M = TypeVar("M")


def body(model: type[M]) -> M:
    """The request body, as spectree checked it against ``model``."""
    return cast(M, request.context.json)  # type: ignore[attr-defined]  # set by spectree


def query(model: type[M]) -> M:
    """The query string, as spectree checked it against ``model``."""
    return cast(M, request.context.query)  # type: ignore[attr-defined]  # set by spectree


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None):
    response = Response(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
