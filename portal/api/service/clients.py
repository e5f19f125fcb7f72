"""Registering partner systems: only an organisation's admin, only for its own organisation.

The secret is returned once, to be shown once; the portal keeps its digest. A client that
signs its assertions (``private_key_jwt``) has no secret, only its public key. Revoking a
client ends its tokens at once (``ApiToken.is_revoked`` reads the client).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.api.models import AUTH_METHODS, SCOPES, ApiClient
from portal.api.service.secrets import digest, new_client_id, new_secret
from portal.audit.service import record
from portal.db import lock_row, utcnow
from portal.errors import DomainError, Forbidden, NotFound

NAME_MAX = 120
#: Signing algorithms a client's key may use (RFC 7518; asymmetric only).
KEY_TYPES = ("RSA", "EC", "OKP")


def require_admin(actor: Actor) -> int:
    if actor.kind != "staff" or "org_admin" not in actor.roles or not actor.organisation_id:
        raise Forbidden()
    return actor.organisation_id


def clean_scopes(scopes: Iterable[str]) -> str:
    chosen = sorted(set(scopes))
    if not chosen:
        raise DomainError(_l("Kies wat het systeem mag."), field="scopes")
    if any(s not in SCOPES for s in chosen):
        raise DomainError(_l("Deze keuze klopt niet. Laad de pagina opnieuw."), field="scopes")
    return " ".join(chosen)


def parse_public_key(text: str) -> dict[str, Any]:
    """A public JWK (or a JWK set with one key) as JSON: asymmetric, without private parts."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise DomainError(
            _l("Dit is geen JSON. Plak de publieke sleutel als JWK."), field="key"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("keys"), list) and len(data["keys"]) == 1:
        data = data["keys"][0]
    if not isinstance(data, dict) or data.get("kty") not in KEY_TYPES:
        raise DomainError(_l("Gebruik een publieke RSA-, EC- of OKP-sleutel als JWK."), field="key")
    if any(part in data for part in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise DomainError(
            _l("Dit is een privésleutel. Plak alleen de publieke sleutel."), field="key"
        )
    try:
        KeySet.import_key_set({"keys": [data]})
    except (JoseError, ValueError, TypeError, KeyError):
        raise DomainError(_l("Deze sleutel kan niet worden gelezen."), field="key") from None
    return data


def register_client(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scopes: Iterable[str],
    auth_method: str = "client_secret_basic",
    public_key: str | None = None,
) -> tuple[ApiClient, str | None]:
    """The new client and its secret (``None`` for ``private_key_jwt``): show it once."""
    organisation_id = require_admin(actor)
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise DomainError(_l("Geef het systeem een naam."), field="name")
    if len(cleaned) > NAME_MAX:
        raise DomainError(
            _l("De naam is te lang (maximaal %(n)s tekens).", n=NAME_MAX), field="name"
        )
    if auth_method not in AUTH_METHODS:
        raise DomainError(_l("Deze keuze klopt niet. Laad de pagina opnieuw."), field="auth_method")
    client = ApiClient(
        client_id=new_client_id(),
        organisation_id=organisation_id,
        name=cleaned,
        scope=clean_scopes(scopes),
        auth_method=auth_method,
        created_by_id=actor.user_id,
        created_at=utcnow(),
        active=True,
    )
    secret = None
    if auth_method == "private_key_jwt":
        client.public_jwk = parse_public_key(public_key or "")
    else:
        secret = new_secret()
        client.secret_hash = digest(secret)
    session.add(client)
    session.flush()
    record(
        session,
        actor,
        "api.client_registered",
        detail={"client": client.client_id, "scope": client.scope, "auth": auth_method},
    )
    return client, secret


def organisation_clients(session: Session, actor: Actor) -> list[ApiClient]:
    organisation_id = require_admin(actor)
    return list(
        session.scalars(
            select(ApiClient)
            .where(ApiClient.organisation_id == organisation_id)
            .order_by(ApiClient.active.desc(), ApiClient.name, ApiClient.id)
        )
    )


def load_client(session: Session, actor: Actor, client_pk: int) -> ApiClient:
    """The admin's own organisation's client; another organisation's id answers 404."""
    organisation_id = require_admin(actor)
    client = session.get(ApiClient, client_pk)
    if client is None or client.organisation_id != organisation_id:
        raise NotFound()
    return client


def new_client_secret(session: Session, actor: Actor, client: ApiClient) -> str:
    """A new secret; the old one stops working at once (its tokens run out on their own)."""
    client = lock_row(session, load_client(session, actor, client.id))
    if not client.active or client.auth_method == "private_key_jwt":
        raise DomainError(_l("Dit systeem heeft geen geheim dat vernieuwd kan worden."))
    secret = new_secret()
    client.secret_hash = digest(secret)
    record(session, actor, "api.client_secret", detail={"client": client.client_id})
    return secret


def revoke_client(session: Session, actor: Actor, client: ApiClient) -> ApiClient:
    """Switch the client off: no new tokens, and its tokens stop working at once."""
    client = lock_row(session, load_client(session, actor, client.id))
    if client.active:
        client.active = False
        client.revoked_at = utcnow()
        record(session, actor, "api.client_revoked", detail={"client": client.client_id})
    return client
