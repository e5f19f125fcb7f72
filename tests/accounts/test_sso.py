"""Partner single sign-on against a real OpenID Connect provider on 127.0.0.1
(oidc-provider-mock): the happy paths and the attacks."""

from __future__ import annotations

import base64
import threading
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.accounts import sso
from portal.accounts.models import OrganisationOidc, User
from portal.accounts.sessions import PENDING_KEY
from tests.accounts.conftest import code_for, events, password_step

with warnings.catch_warnings():
    # The mock provider (a test tool) imports Authlib modules that Authlib now deprecates.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oidc_provider_mock import app as provider_app

SECRET_ENV = "KP_OIDC_SECRET_TEST"

# The mock provider (a test tool, not our code) still calls an Authlib API deprecated for 1.8.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


class HostOverride:
    """Makes the provider answer as another host on chosen paths (a lying or mixed-up IdP)."""

    def __init__(self, app) -> None:
        self.app = app
        self.hosts: dict[str, str] = {}
        #: Token requests made as this client id instead (the ID token's audience changes).
        self.token_client: str | None = None

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        host = self.hosts.get(path)
        if host:
            environ = dict(environ, HTTP_HOST=host)
        if self.token_client and path == "/oauth2/token":
            basic = base64.b64encode(f"{self.token_client}:any-secret".encode()).decode()
            environ = dict(environ, HTTP_AUTHORIZATION=f"Basic {basic}")
        return self.app(environ, start_response)


@dataclass
class Provider:
    url: str
    wsgi: HostOverride
    http: requests.Session = field(default_factory=requests.Session)

    def set_user(self, sub: str, claims: dict) -> None:
        response = self.http.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204

    def authorize(self, location: str, sub: str) -> str:
        """The user signs in at the provider; returns our callback's path and query."""
        assert location.startswith(self.url + "/")  # only ever 127.0.0.1
        response = self.http.post(location, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:300]
        callback = response.headers["Location"]
        return callback[callback.index("/inloggen/") :]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    wsgi = HostOverride(provider_app(require_nonce=True))
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    handle = Provider(url=f"http://127.0.0.1:{server.server_port}", wsgi=wsgi)
    handle.http.trust_env = False  # no proxy: straight to 127.0.0.1
    try:
        yield handle
    finally:
        handle.http.close()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def partner(provider, make_org, session, monkeypatch):
    """The corporation signs its staff in with the provider; our client secret in the env."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv(SECRET_ENV, "test-client-secret")
    provider.wsgi.hosts.clear()
    provider.wsgi.token_client = None
    sso.forget_clients()
    org = make_org("corporatie", "Woonstichting Test")
    settings = OrganisationOidc(
        organisation_id=org.id,
        enabled=True,
        issuer=provider.url,
        client_id="ketenportaal-test",
        client_secret_env=SECRET_ENV,
        mfa_acr_values="urn:test:mfa",
        allow_password=True,
        default_role="caseworker",
    )
    session.add(settings)
    session.flush()
    yield org
    sso.forget_clients()


def _sub() -> str:
    return "sub-" + uuid.uuid4().hex[:12]


def _start(client, slug: str = "corporatie") -> str:
    response = client.get(f"/inloggen/organisatie/{slug}")
    assert response.status_code == 302, response.get_data(as_text=True)[:200]
    return response.headers["Location"]


def _signed_in(client) -> bool:
    return client.get("/mijn-werk").status_code == 200


def test_authorization_request_uses_pkce_state_and_nonce(client, partner, provider):
    location = _start(client)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["client_id"] == ["ketenportaal-test"]
    assert query["redirect_uri"][0].endswith("/inloggen/organisatie/corporatie/terug")
    assert "code_verifier" not in location


def test_provider_mfa_signs_in_and_provisions_within_the_organisation(
    client, partner, provider, session
):
    sub = _sub()
    provider.set_user(
        sub,
        {
            "email": "Nieuwe.Collega@corporatie.example",
            "name": "Nieuwe Collega",
            "amr": ["pwd", "mfa"],
        },
    )
    callback = provider.authorize(_start(client), sub)
    response = client.get(callback)
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn-werk")
    assert _signed_in(client)
    user = session.scalar(select(User).where(User.email == "nieuwe.collega@corporatie.example"))
    assert user.organisation_id == partner.id and user.roles == {"caseworker"}
    assert user.password_hash is None
    assert events(session, "auth.login")[-1].detail_dict == {"method": "sso+provider_mfa"}
    assert events(session, "account.provisioned")[0].detail_dict["via"] == "sso"


def test_acr_configured_for_the_organisation_counts_as_mfa(client, partner, provider, make_user):
    existing = make_user(org="corporatie")
    sub = _sub()
    provider.set_user(sub, {"email": existing.email, "acr": "urn:test:mfa"})
    client.get(provider.authorize(_start(client), sub))
    assert _signed_in(client)


def test_without_mfa_from_the_provider_the_portal_asks_for_totp(
    client, partner, provider, make_user, session
):
    user = make_user(org="corporatie")
    sub = _sub()
    provider.set_user(sub, {"email": user.email, "amr": ["pwd"]})
    response = client.get(provider.authorize(_start(client), sub))
    assert response.headers["Location"].endswith("/inloggen/code")
    assert not _signed_in(client)  # half signed in only
    done = client.post_form("/inloggen/code", {"code": code_for(user)})
    assert done.headers["Location"].endswith("/mijn-werk")
    assert _signed_in(client)
    assert events(session, "auth.login")[-1].detail_dict == {"method": "sso+totp"}


def test_new_colleague_without_provider_mfa_sets_up_the_app(client, partner, provider):
    sub = _sub()
    provider.set_user(sub, {"email": "zonder.mfa@corporatie.example"})
    response = client.get(provider.authorize(_start(client), sub))
    assert response.headers["Location"].endswith("/inloggen/mfa-instellen")


def test_email_of_another_organisation_is_refused(client, partner, provider, make_user, session):
    stranger = make_user(org="zorg")
    sub = _sub()
    provider.set_user(sub, {"email": stranger.email, "amr": ["mfa"]})
    response = client.get(provider.authorize(_start(client), sub))
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    assert not _signed_in(client)
    refused = events(session, "sso.refused")[-1]
    assert refused.detail_dict == {"reason": "other_organisation", "organisation_id": partner.id}
    with client.session_transaction() as sess:
        assert PENDING_KEY not in sess


def test_replayed_state_is_refused(client, partner, provider, session, new_client):
    sub = _sub()
    provider.set_user(sub, {"email": "replay@corporatie.example", "amr": ["mfa"]})
    callback = provider.authorize(_start(client), sub)
    assert client.get(callback).headers["Location"].endswith("/mijn-werk")
    client.post_form("/uitloggen")
    # The same callback again: its state was used up.
    again = client.get(callback)
    assert again.headers["Location"].endswith("/inloggen") and not _signed_in(client)
    # And in another browser that never started this sign-in.
    thief = new_client()
    assert thief.get(callback).headers["Location"].endswith("/inloggen")
    assert not _signed_in(thief)
    reasons = [e.detail_dict["reason"] for e in events(session, "sso.refused")]
    assert reasons == ["invalid:MismatchingStateError"] * 2


def test_issuer_in_discovery_must_match(client, partner, provider, session):
    provider.wsgi.hosts["/.well-known/openid-configuration"] = "idp.invalid"  # a mix-up
    response = client.get("/inloggen/organisatie/corporatie")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    assert events(session, "sso.refused")[-1].detail_dict["reason"] == "issuer_mismatch"


def test_id_token_from_another_issuer_is_refused(client, partner, provider, session):
    sub = _sub()
    provider.set_user(sub, {"email": "iss@corporatie.example", "amr": ["mfa"]})
    location = _start(client)
    # The ID token's iss becomes http://localhost:PORT (the request still goes to 127.0.0.1).
    provider.wsgi.hosts["/oauth2/token"] = provider.url.replace("http://127.0.0.1", "localhost")
    response = client.get(provider.authorize(location, sub))
    assert response.headers["Location"].endswith("/inloggen") and not _signed_in(client)
    assert session.scalar(select(User).where(User.email == "iss@corporatie.example")) is None
    assert events(session, "sso.refused")[-1].detail_dict["reason"] == "invalid:InvalidClaimError"


def test_wrong_nonce_is_refused(client, partner, provider, session):
    sub = _sub()
    provider.set_user(sub, {"email": "nonce@corporatie.example", "amr": ["mfa"]})
    location = _start(client)
    with client.session_transaction() as sess:
        (key,) = [k for k in sess if k.startswith("_state_")]
        entry = dict(sess[key])
        entry["data"] = dict(entry["data"], nonce="not-the-nonce-we-sent")
        sess[key] = entry
    response = client.get(provider.authorize(location, sub))
    assert response.headers["Location"].endswith("/inloggen") and not _signed_in(client)
    assert events(session, "sso.refused")[-1].detail_dict["reason"] == "invalid:InvalidClaimError"


def test_wrong_audience_is_refused(client, partner, provider, session):
    """The provider issues a valid ID token, with our nonce, but to another client."""
    sub = _sub()
    provider.set_user(sub, {"email": "aud@corporatie.example", "amr": ["mfa"]})
    location = _start(client)
    other = location.replace("client_id=ketenportaal-test", "client_id=another-client")
    provider.wsgi.token_client = "another-client"
    response = client.get(provider.authorize(other, sub))
    assert response.headers["Location"].endswith("/inloggen") and not _signed_in(client)
    assert events(session, "sso.refused")[-1].detail_dict["reason"] == "invalid:InvalidClaimError"
    assert session.scalar(select(User).where(User.email == "aud@corporatie.example")) is None


def test_missing_client_secret_refuses_to_start(client, partner, monkeypatch, session):
    monkeypatch.delenv(SECRET_ENV)
    response = client.get("/inloggen/organisatie/corporatie")
    assert response.headers["Location"].endswith("/inloggen")
    assert events(session, "sso.refused")[-1].detail_dict["reason"] == "no_client_secret"


def test_organisation_without_sso_answers_404(client, partner, make_org):
    make_org("zorg")
    assert client.get("/inloggen/organisatie/zorg").status_code == 404
    assert client.get("/inloggen/organisatie/bestaat-niet/terug").status_code == 404


def test_sign_in_page_offers_the_organisations_provider(client, partner):
    html = client.get("/inloggen").get_data(as_text=True)
    assert "Woonstichting Test" in html and "/inloggen/organisatie/corporatie" in html


def test_password_sign_in_can_be_switched_off_for_the_organisation(
    client, partner, make_user, session
):
    user = make_user(org="corporatie")
    session.get(OrganisationOidc, partner.id).allow_password = False
    session.flush()
    response = password_step(client, user.email)
    assert response.status_code == 200 and "eigen inlogdienst" in response.get_data(as_text=True)
    assert events(session, "auth.login_failed")[-1].detail_dict == {"reason": "sso_required"}
