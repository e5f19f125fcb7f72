"""Fixtures for the partner API: partner systems registered by their organisation's admin,
their tokens (fetched from the real token endpoint), and the referral world of the
handover tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from portal.actor import staff_actor
from portal.api.models import SCOPES
from portal.api.service import clients
from tests.conftest import Client
from tests.earlysignal.conftest import send_signal  # noqa: F401 - shared fixture
from tests.handover.conftest import case, give_consent, people, refer  # noqa: F401 - shared fixtures

ALL = " ".join(SCOPES)


@dataclass
class Registered:
    client_id: str
    secret: str | None
    pk: int


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the referrals."""


@pytest.fixture
def api(app, session):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def register(session, make_user) -> Callable[..., Registered]:
    """``register("schuldhulp", "referrals:read referrals:write")``: a client registered by
    that organisation's admin."""

    def make(org: str = "schuldhulp", scope: str = ALL, **kw) -> Registered:
        admin = staff_actor(make_user(org, roles=("org_admin",)))
        client, secret = clients.register_client(
            session, admin, name=f"Systeem van {org}", scopes=scope.split(), **kw
        )
        session.commit()
        return Registered(client.client_id, secret, client.id)

    return make


@pytest.fixture
def token(api) -> Callable[..., str]:
    """An access token from the token endpoint, with the client's secret over HTTP Basic."""

    def get(client: Registered, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        response = api.post(
            "/api/v1/oauth/token", data=data, auth=(client.client_id, client.secret)
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["access_token"]

    return get


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
