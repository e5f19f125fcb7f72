"""The API's own endpoints: the OAuth 2.0 token and revocation endpoints, the OpenAPI
document and its reference page. The partner endpoints live with their subjects
(``handover.api``, ``consent.api``, ``portal.cases.api``) on the same ``/api/v1`` prefix."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.access import public
from portal.api.edge import json_response
from portal.api.oauth import Revocation, server
from portal.api.openapi import document
from portal.api.schemas import SCOPE_DESCRIPTIONS
from portal.extensions import db, limiter
from portal.links import external_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Token requests per client address: enough for any system, too few to guess secrets.
TOKEN_LIMIT = "30 per minute"  # noqa: S105 - a rate, not a secret


@bp.post("/oauth/token")
@public
@limiter.limit(TOKEN_LIMIT)
def token():
    """OAuth 2.0 token endpoint (client credentials)."""
    response = server.create_token_response()
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/oauth/revoke")
@public
@limiter.limit(TOKEN_LIMIT)
def revoke():
    """OAuth 2.0 token revocation (RFC 7009)."""
    response = server.create_endpoint_response(Revocation.ENDPOINT_NAME)
    db.session.commit()
    return response


@bp.get("/openapi.json")
@public
def openapi():
    return json_response(document(external_url("api.token")))


@bp.get("/docs")
@public
def reference():
    """The reference page: the same document, for people."""
    doc = document(external_url("api.token"))
    return render_template("api/reference.html", doc=doc, scopes=SCOPE_DESCRIPTIONS)
