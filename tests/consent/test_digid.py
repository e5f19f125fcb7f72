"""Tenant sign-in through a DigiD-style broker: a real OpenID Connect provider on 127.0.0.1
(oidc-provider-mock) returns a BSN claim, matched through the blind index."""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from consent import oidc
from consent.models import ConsentInvitation
from tests.consent.conftest import ask, events

with warnings.catch_warnings():
    # The mock provider (a test tool) imports Authlib modules that Authlib now deprecates.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oidc_provider_mock import app as provider_app

pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


@dataclass
class Provider:
    url: str
    http: requests.Session = field(default_factory=requests.Session)

    def set_user(self, sub: str, claims: dict) -> None:
        response = self.http.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204

    def authorize(self, location: str, sub: str) -> str:
        """The citizen signs in at the broker; returns our callback's path and query."""
        assert location.startswith(self.url + "/")
        response = self.http.post(location, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:300]
        callback = response.headers["Location"]
        return callback[callback.index("/toestemming/") :]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    server = make_server("127.0.0.1", 0, provider_app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    handle = Provider(url=f"http://127.0.0.1:{server.server_port}")
    handle.http.trust_env = False
    try:
        yield handle
    finally:
        handle.http.close()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def broker(app, provider, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setitem(app.config, "TENANT_OIDC_ISSUER", provider.url)
    monkeypatch.setitem(app.config, "TENANT_OIDC_CLIENT_ID", "ketenportaal-tenants")
    monkeypatch.setitem(app.config, "TENANT_OIDC_CLIENT_SECRET", "test-broker-secret")
    oidc.forget()
    yield provider
    oidc.forget()


def _citizen(provider, bsn: str | None) -> str:
    sub = "sub-" + uuid.uuid4().hex[:12]
    provider.set_user(sub, {"bsn": bsn} if bsn else {"name": "Zonder BSN"})
    return sub


def _sign_in(client, provider, sub: str):
    start = client.get("/toestemming/digid")
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    return client.get(provider.authorize(start.headers["Location"], sub))


def test_link_then_digid_opens_the_questions(client, session, world, sms_box, broker):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    assert "Inloggen met DigiD" in client.get("/toestemming/wie-bent-u").get_data(as_text=True)
    response = _sign_in(client, broker, _citizen(broker, "111222333"))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/toestemming/vraag"
    )
    assert client.get("/toestemming/vraag").status_code == 200
    assert session.scalar(select(ConsentInvitation)).used_at is not None
    assert events(session, "consent.identity_proved")[-1].detail_dict == {"via": "digid"}


def test_someone_else_with_digid_is_refused(client, session, world, sms_box, broker, make_case):
    make_case("corporatie", bsn="123456782")  # a real person, but not the one asked
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    response = _sign_in(client, broker, _citizen(broker, "123456782"))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/toestemming/wie-bent-u"
    )
    assert client.get("/toestemming/vraag").status_code == 303
    assert session.scalar(select(ConsentInvitation)).used_at is None


def test_coming_back_with_digid(client, session, world, broker):
    response = _sign_in(client, broker, _citizen(broker, "111 222 333"))
    assert response.headers["Location"].endswith("/mijn-zaak")
    assert client.get("/toestemming/mijn").status_code == 200


def test_a_token_without_bsn_is_refused(client, session, world, broker):
    response = _sign_in(client, broker, _citizen(broker, None))
    assert response.headers["Location"].endswith("/toestemming/terugkomen")
    assert client.get("/toestemming/mijn").status_code == 303
    assert events(session, "consent.identity_failed")[-1].detail_dict["reason"] == "no_bsn"


def test_replayed_callback_is_refused(client, session, world, broker, new_client):
    sub = _citizen(broker, "111222333")
    start = client.get("/toestemming/digid")
    callback = broker.authorize(start.headers["Location"], sub)
    thief = new_client()
    assert thief.get(callback).headers["Location"].endswith("/toestemming/terugkomen")
    assert thief.get("/toestemming/mijn").status_code == 303


def test_without_a_broker_there_is_no_digid(client, session, world, sms_box):
    assert client.get("/toestemming/digid").status_code == 404
    assert "DigiD" not in client.get("/toestemming/terugkomen").get_data(as_text=True)
