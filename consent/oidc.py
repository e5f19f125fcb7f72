"""Tenant sign-in through a DigiD-style OpenID Connect broker (optional).

Configured by ``TENANT_OIDC_ISSUER``, ``TENANT_OIDC_CLIENT_ID`` and
``TENANT_OIDC_CLIENT_SECRET``. The same checks as partner SSO (``portal.accounts.sso``):
authorization code with PKCE, state and nonce, the ID token's signature, issuer, audience and
expiry, and a discovery document that names the configured issuer. The broker returns the
citizen's BSN in the ``bsn`` claim; the portal matches it through the blind index and never
stores it anywhere else.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app

from portal.accounts import sso
from portal.accounts.service import SsoRefused

BSN_CLAIM = "bsn"
SCOPE = "openid"
CLIENT_NAME = "kp_tenant_oidc"

_cached: dict[str, tuple[str, FlaskOAuth2App]] = {}
_lock = threading.Lock()


def configured() -> bool:
    config = current_app.config
    return bool(
        config.get("TENANT_OIDC_ISSUER")
        and config.get("TENANT_OIDC_CLIENT_ID")
        and config.get("TENANT_OIDC_CLIENT_SECRET")
    )


@dataclass(frozen=True)
class BrokerSettings:
    issuer: str
    client_id: str


def _settings() -> BrokerSettings:
    config = current_app.config
    return BrokerSettings(
        issuer=config["TENANT_OIDC_ISSUER"].rstrip("/"),
        client_id=config["TENANT_OIDC_CLIENT_ID"],
    )


def client() -> FlaskOAuth2App:
    """The broker's client; rebuilt when the configuration changes."""
    config = current_app.config
    settings = _settings()
    secret = config["TENANT_OIDC_CLIENT_SECRET"]
    fingerprint = hashlib.sha256(
        "\n".join([settings.issuer, settings.client_id, secret]).encode()
    ).hexdigest()
    with _lock:
        cached = _cached.get(CLIENT_NAME)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        app = FlaskOAuth2App(
            FlaskIntegration(CLIENT_NAME),
            name=CLIENT_NAME,
            client_id=settings.client_id,
            client_secret=secret,
            server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "default_timeout": sso.HTTP_TIMEOUT,
            },
        )
        _cached[CLIENT_NAME] = (fingerprint, app)
        return app


def forget() -> None:
    with _lock:
        _cached.clear()


def authorize_redirect(redirect_uri: str) -> Any:
    app = client()
    sso.checked_metadata(app, _settings())
    return app.authorize_redirect(redirect_uri)


def verified_bsn() -> str:
    """Finish the code flow for this request; the BSN the broker vouches for."""
    claims = sso.verified_claims(client(), _settings())
    bsn = claims.get(BSN_CLAIM)
    if not isinstance(bsn, str) or not bsn:
        raise SsoRefused("no_bsn")
    return bsn
