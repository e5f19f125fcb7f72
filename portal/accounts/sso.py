"""Partner single sign-on: each organisation may sign its staff in with its own OIDC provider.

One Authlib Flask client per organisation, built from its ``OrganisationOidc`` settings
(the client secret from the environment variable the settings name). Authorization code
flow with PKCE (S256); Authlib keeps state, nonce and code verifier in the session and checks
them on the way back; the ID token's signature, issuer, audience, nonce and expiry are
verified; and the provider's discovery document must name the configured issuer (so one
provider cannot answer for another).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from typing import Any, Protocol

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App

from portal.accounts.models import OrganisationOidc
from portal.accounts.service import SsoRefused

log = logging.getLogger("portal.accounts.sso")

SCOPE = "openid email profile"
HTTP_TIMEOUT = 10

_clients: dict[int, tuple[str, FlaskOAuth2App]] = {}
_lock = threading.Lock()


class IssuerSettings(Protocol):
    """What checking a provider's answers needs: an organisation's sign-in settings, or the
    tenants' DigiD broker."""

    @property
    def issuer(self) -> str: ...

    @property
    def client_id(self) -> str: ...


def client_name(settings: OrganisationOidc) -> str:
    return f"kp_oidc_{settings.organisation_id}"


def client_for(settings: OrganisationOidc) -> FlaskOAuth2App:
    """The organisation's client; rebuilt when its settings (or secret) change."""
    secret = os.environ.get(settings.client_secret_env, "")
    if not secret:
        log.error("partner sign-in: client secret variable is not set")
        raise SsoRefused("no_client_secret")
    fingerprint = hashlib.sha256(
        "\n".join(
            [settings.issuer, settings.client_id, settings.client_secret_env, secret]
        ).encode()
    ).hexdigest()
    with _lock:
        cached = _clients.get(settings.organisation_id)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        name = client_name(settings)
        client = FlaskOAuth2App(
            FlaskIntegration(name),
            name=name,
            client_id=settings.client_id,
            client_secret=secret,
            server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "default_timeout": HTTP_TIMEOUT,
            },
        )
        _clients[settings.organisation_id] = (fingerprint, client)
        return client


def forget_clients() -> None:
    with _lock:
        _clients.clear()


def checked_metadata(client: FlaskOAuth2App, settings: IssuerSettings) -> dict[str, Any]:
    metadata = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != settings.issuer:
        # Do not keep metadata that answered for someone else.
        client.server_metadata.clear()
        raise SsoRefused("issuer_mismatch")
    return metadata


def verified_claims(client: FlaskOAuth2App, settings: IssuerSettings) -> dict[str, Any]:
    """Finish the code flow for the current request; the ID token's claims, all checked."""
    checked_metadata(client, settings)
    token = client.authorize_access_token(
        claims_options={
            "iss": {"essential": True, "value": settings.issuer},
            "aud": {"essential": True, "value": settings.client_id},
        }
    )
    claims = dict(token.get("userinfo") or {})
    if not claims:
        raise SsoRefused("no_id_token")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if claims.get("iss") != settings.issuer or settings.client_id not in audiences:
        raise SsoRefused("token_mismatch")
    return claims
