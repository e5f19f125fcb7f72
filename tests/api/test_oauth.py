"""OAuth 2.0 client credentials: tokens for registered clients only, with no more scope than
granted; stored as digests; expired, revoked or switched-off means refused at once; the
stronger private_key_jwt; and only an organisation's own admin registers its systems."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import select

from portal.actor import staff_actor
from portal.api.models import ApiClient, ApiToken
from portal.api.service import clients
from portal.audit.models import AuditEvent
from portal.errors import DomainError, Forbidden, NotFound
from tests.api.conftest import bearer


def test_a_token_for_the_granted_scope_only(session, api, register, token):
    client = register("schuldhulp", "referrals:read")
    response = api.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "scope": "referrals:read signals:write"},
        auth=(client.client_id, client.secret),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"].lower() == "bearer" and body["scope"] == "referrals:read"
    assert 0 < body["expires_in"] <= 600
    assert response.headers["Cache-Control"] == "no-store"
    # Kept as a digest: the token itself is nowhere in the database.
    stored = session.scalars(select(ApiToken)).all()
    assert stored and all(body["access_token"] not in (t.token_hash, t.scope) for t in stored)
    assert api.get("/api/v1/referrals", headers=bearer(body["access_token"])).status_code == 200
    answer = api.post("/api/v1/signals", json={"signals": []}, headers=bearer(body["access_token"]))
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["type"].endswith("insufficient_scope")


@pytest.mark.parametrize(
    "auth",
    [
        ("unknown-client", "whatever"),
        ("{client}", "wrong-secret"),
        ("{client}", ""),
        ("{client}" * 10, "x" * 5000),
    ],
)
def test_no_token_without_the_right_secret(api, register, auth):
    client = register("schuldhulp")
    user, secret = (part.replace("{client}", client.client_id) for part in auth)
    response = api.post(
        "/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(user, secret)
    )
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_other_grants_are_refused(api, register):
    client = register("schuldhulp")
    for grant in ("password", "authorization_code", "refresh_token", "", "\x00"):
        response = api.post(
            "/api/v1/oauth/token",
            data={"grant_type": grant},
            auth=(client.client_id, client.secret),
        )
        assert response.status_code in (400, 401), grant


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer nonsense",
        "Basic abc",
        "Bearer " + "x" * 5000,
        "Bearer \u202etoken",
    ],
)
def test_calls_without_a_valid_token_are_refused_in_words(api, header):
    headers = {"Authorization": header} if header else {}
    response = api.get(
        "/api/v1/referrals", headers=headers, environ_base={"HTTP_ACCEPT_LANGUAGE": "en"}
    )
    assert response.status_code in (400, 401)
    assert response.mimetype == "application/problem+json"
    assert "WWW-Authenticate" in response.headers
    problem = response.get_json()
    assert problem["status"] == response.status_code and problem["title"]


def test_an_expired_token_is_refused(session, api, register, token):
    client = register("schuldhulp")
    value = token(client)
    row = session.scalars(select(ApiToken)).one()
    row.issued_at -= timedelta(seconds=row.expires_in + 1)
    session.commit()
    assert api.get("/api/v1/referrals", headers=bearer(value)).status_code == 401


def test_a_revoked_token_and_a_switched_off_client_stop_at_once(
    session, api, register, token, make_user
):
    client = register("schuldhulp")
    first, second = token(client), token(client)
    response = api.post(
        "/api/v1/oauth/revoke", data={"token": first}, auth=(client.client_id, client.secret)
    )
    assert response.status_code == 200
    assert api.get("/api/v1/referrals", headers=bearer(first)).status_code == 401
    assert api.get("/api/v1/referrals", headers=bearer(second)).status_code == 200
    admin = staff_actor(make_user("schuldhulp", roles=("org_admin",)))
    clients.revoke_client(session, admin, session.get(ApiClient, client.pk))
    session.commit()
    assert api.get("/api/v1/referrals", headers=bearer(second)).status_code == 401
    response = api.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.secret),
    )
    assert response.status_code in (400, 401)


def test_a_new_secret_replaces_the_old(session, api, register, make_user):
    client = register("schuldhulp")
    admin = staff_actor(make_user("schuldhulp", roles=("org_admin",)))
    fresh = clients.new_client_secret(session, admin, session.get(ApiClient, client.pk))
    session.commit()
    data = {"grant_type": "client_credentials"}
    assert (
        api.post(
            "/api/v1/oauth/token", data=data, auth=(client.client_id, client.secret)
        ).status_code
        == 401
    )
    assert (
        api.post("/api/v1/oauth/token", data=data, auth=(client.client_id, fresh)).status_code
        == 200
    )


def _assertion(client_id: str, key: ECKey, audience: str, jti: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode({"alg": "ES256"}, claims, key)


def test_private_key_jwt(session, api, app, register):
    key = ECKey.generate_key("P-256")
    public = json.dumps(key.as_dict(private=False))
    client = register(
        "schuldhulp", "referrals:read", auth_method="private_key_jwt", public_key=public
    )
    assert client.secret is None
    audience = app.config["PUBLIC_BASE_URL"].rstrip("/") + "/api/v1/oauth/token"
    assertion = _assertion(client.client_id, key, audience, jti="once")
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    response = api.post("/api/v1/oauth/token", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    # An assertion is good once.
    assert api.post("/api/v1/oauth/token", data=data).status_code in (400, 401)
    # Another key, or another audience, is refused.
    other = ECKey.generate_key("P-256")
    for bad in (
        _assertion(client.client_id, other, audience),
        _assertion(client.client_id, key, "https://elsewhere.example/token"),
    ):
        assert api.post(
            "/api/v1/oauth/token", data={**data, "client_assertion": bad}
        ).status_code in (400, 401)
    # A secret does not work for a key client.
    assert api.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, ""),
    ).status_code in (400, 401)


def test_registering_is_for_the_organisations_own_admin(session, make_user):
    caseworker = staff_actor(make_user("schuldhulp"))
    with pytest.raises(Forbidden):
        clients.register_client(session, caseworker, name="X", scopes=["referrals:read"])
    admin = staff_actor(make_user("schuldhulp", roles=("org_admin",)))
    stranger = staff_actor(make_user("corporatie", roles=("org_admin",)))
    client, secret = clients.register_client(session, admin, name="X", scopes=["referrals:read"])
    assert secret and client.secret_hash and secret not in client.secret_hash
    with pytest.raises(NotFound):
        clients.load_client(session, stranger, client.id)
    for bad in (
        {"name": "", "scopes": ["referrals:read"]},
        {"name": "x" * 121, "scopes": ["referrals:read"]},
        {"name": "X", "scopes": []},
        {"name": "X", "scopes": ["admin:all"]},
        {"name": "X", "scopes": ["referrals:read"], "auth_method": "none"},
        {
            "name": "X",
            "scopes": ["referrals:read"],
            "auth_method": "private_key_jwt",
            "public_key": "{}",
        },
        {
            "name": "X",
            "scopes": ["referrals:read"],
            "auth_method": "private_key_jwt",
            "public_key": "nonsense",
        },
        {
            "name": "X",
            "scopes": ["referrals:read"],
            "auth_method": "private_key_jwt",
            "public_key": json.dumps(ECKey.generate_key("P-256").as_dict(private=True)),
        },
    ):
        with pytest.raises(DomainError):
            clients.register_client(session, admin, **bad)
    events = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("api.%"))).all()
    assert "api.client_registered" in events
