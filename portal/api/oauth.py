"""OAuth 2.0 for partner systems, with Authlib: the client-credentials grant, token
revocation (RFC 7009) and the resource protector that checks a bearer token and its scope.

Clients prove themselves at the token endpoint with their secret (HTTP Basic or in the body)
or, the stronger option, with a JWT signed by their private key (``private_key_jwt``, RFC
7523): the portal then holds only the public key. Access tokens live ``TOKEN_SECONDS`` and
are stored as digests; a revoked token or a switched-off client stops working at once.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import Flask
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api.models import ApiAssertion, ApiClient, ApiToken
from portal.api.service.secrets import digest
from portal.audit.service import record
from portal.db import utcnow
from portal.extensions import db
from portal.links import external_url

#: Lifetime of an access token: short, so a leaked one is of little use.
TOKEN_SECONDS = 600
#: Client authentication methods at the token and revocation endpoints.
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


def _query_client(client_id: str) -> ApiClient | None:
    if not isinstance(client_id, str) or len(client_id) > 48:
        return None
    return db.session.scalar(
        select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.active.is_(True))
    )


def _save_token(token: dict[str, Any], request: Any) -> None:
    from portal.api.edge import client_actor

    client: ApiClient = request.client
    row = ApiToken(
        client_pk=client.id,
        token_hash=digest(token["access_token"]),
        scope=token.get("scope", ""),
        issued_at=utcnow(),
        expires_in=int(token["expires_in"]),
    )
    db.session.add(row)
    client.last_used_at = row.issued_at
    record(db.session, client_actor(client), "api.token", detail={"scope": row.scope})
    db.session.commit()


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class PrivateKeyJwt(JWTBearerClientAssertion):
    """RFC 7523 client authentication with the client's registered public key."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self) -> list[str]:
        return [external_url("api.token"), external_url("api.token").rsplit("/api/", 1)[0]]

    def validate_jti(self, claims: Any, jti: Any) -> bool:
        """An assertion is good once: its id is kept until it would have expired."""
        if not isinstance(jti, str) or not jti or len(jti) > 200:
            return False
        client = _query_client(claims.get("sub"))
        if client is None:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(ApiAssertion(client_pk=client.id, jti=jti, used_at=utcnow()))
        except IntegrityError:
            return False
        return True

    def resolve_client_public_key(self, client: ApiClient) -> KeySet:
        return KeySet.import_key_set({"keys": [client.public_jwk or {}]})


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> ApiToken | None:
        return db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == digest(token_string))
        )

    def revoke_token(self, token: ApiToken, request: Any) -> None:
        from portal.api.edge import client_actor

        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record(db.session, client_actor(token.client), "api.token_revoked", detail={})
        db.session.commit()


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> ApiToken | None:
        if not token_string or len(token_string) > 200:
            return None
        return db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == digest(token_string))
        )


server = AuthorizationServer()
protector = ResourceProtector()


def init_app(app: Flask) -> None:
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": TOKEN_SECONDS})
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(ClientCredentials)
    server.register_client_auth_method(PrivateKeyJwt.CLIENT_AUTH_METHOD, PrivateKeyJwt())
    server.register_endpoint(Revocation)
    protector.register_token_validator(TokenValidator())
