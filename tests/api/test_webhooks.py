"""Webhooks: written with the change (nothing for a change rolled back), posted to a real
local receiver with an HMAC-SHA256 signature, tried again with back-off, never carrying a
person's data; the admin sets the address and reads the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from portal.actor import staff_actor
from portal.api.models import ApiClient, ApiWebhookDelivery
from portal.api.service import clients, webhooks
from portal.db import utcnow
from portal.errors import DomainError
from tests.handover.conftest import refer


class Receiver:
    """A partner's webhook endpoint on 127.0.0.1: answers each post with the next status."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.received.append((dict(request.headers), request.get_data()))
        status = self.answers.pop(0) if self.answers else 204
        return Response(status=status)(environ, start_response)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def listening(app, session, register, make_user, receiver):
    """The debt coach's system with its webhook set; returns (client, signing key)."""
    _app, url = receiver
    client = session.get(ApiClient, register("schuldhulp", "referrals:read referrals:write").pk)
    admin = staff_actor(make_user("schuldhulp", roles=("org_admin",)))
    key = webhooks.set_webhook(
        session, admin, client, url, secret_key=app.config["SECRET_KEY"], allow_http=True
    )
    session.commit()
    return client, key


def _deliver(app, session, **kw):
    return webhooks.deliver_pending(session, secret_key=app.config["SECRET_KEY"], **kw)


def _verify(key: str, headers: dict[str, str], body: bytes) -> None:
    parts = dict(p.split("=", 1) for p in headers["Ketenportaal-Signature"].split(","))
    stamp, mac = parts["t"], parts["v1"]
    expected = hmac.new(key.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)


def test_a_referral_event_is_signed_and_delivered(app, session, people, case, listening, receiver):
    _client, key = listening
    got, _url = receiver
    referral = refer(session, people, case)
    session.commit()
    report = _deliver(app, session)
    assert report.delivered == 1 and report.failed == report.retrying == 0
    ((headers, body),) = got.received
    _verify(key, headers, body)
    assert headers["Ketenportaal-Event"] == "referral.send"
    payload = json.loads(body)
    assert payload["data"] == {
        "referral_id": referral.id,
        "case_reference": case.reference,
        "purpose": "debt_help",
        "status": "sent",
    }
    assert b"Testpersoon" not in body
    delivery = session.scalars(select(ApiWebhookDelivery)).one()
    assert delivery.status == "delivered" and delivery.last_status == 204
    # Delivered once: a second round posts nothing.
    assert _deliver(app, session).delivered == 0 and len(got.received) == 1


def test_a_refused_post_is_tried_again_with_back_off(
    app, session, people, case, listening, receiver
):
    got, _url = receiver
    got.answers = [500, 503]
    refer(session, people, case)
    session.commit()
    now = utcnow()
    assert _deliver(app, session, now=now, backoff_seconds=60).retrying == 1
    delivery = session.scalars(select(ApiWebhookDelivery)).one()
    assert delivery.status == "pending" and delivery.last_status == 500
    assert _deliver(app, session, now=now).retrying == 0  # not due yet
    later = now + timedelta(seconds=61)
    assert _deliver(app, session, now=later, backoff_seconds=60).retrying == 1
    much_later = later + timedelta(minutes=5)
    assert _deliver(app, session, now=much_later, backoff_seconds=60).delivered == 1
    assert len(got.received) == 3
    gave_up = _deliver(app, session, now=much_later)
    assert gave_up.failed == 0


def test_it_gives_up_after_the_last_attempt(app, session, people, case, listening, receiver):
    got, _url = receiver
    got.answers = [500] * 5
    refer(session, people, case)
    session.commit()
    report = _deliver(app, session, max_attempts=1)
    assert report.failed == 1
    assert session.scalars(select(ApiWebhookDelivery)).one().status == "failed"


def test_nothing_for_a_change_that_rolled_back(app, session, people, case, listening):
    with session.begin_nested() as savepoint:
        refer(session, people, case)
        session.flush()
        assert session.scalars(select(ApiWebhookDelivery)).all()
        savepoint.rollback()
    assert session.scalars(select(ApiWebhookDelivery)).all() == []


def test_only_listening_systems_of_the_parties_hear(
    app, session, people, case, listening, register
):
    register("welzijn", "referrals:read")  # no webhook, another organisation
    refer(session, people, case)
    session.commit()
    deliveries = session.scalars(select(ApiWebhookDelivery)).all()
    assert [d.client_pk for d in deliveries] == [listening[0].id]


@pytest.mark.parametrize(
    "url",
    ["", "ftp://example.org/x", "https://user:pw@example.org/x", "https://example.org/#x",
     "https://exa mple.org/", "http://example.org/hook", "https://" + "a" * 600],
)  # fmt: skip
def test_bad_addresses_are_refused(app, session, register, make_user, url):
    client = session.get(ApiClient, register("schuldhulp", "referrals:read").pk)
    admin = staff_actor(make_user("schuldhulp", roles=("org_admin",)))
    with pytest.raises(DomainError):
        webhooks.set_webhook(
            session, admin, client, url, secret_key=app.config["SECRET_KEY"], allow_http=False
        )


def test_the_admin_sets_the_address_and_reads_the_log(
    app, session, people, case, make_user, register, login, api, receiver
):
    _got, url = receiver
    client = register("schuldhulp", "referrals:read")
    admin = make_user("schuldhulp", roles=("org_admin",))
    browser = login(api, admin)
    response = browser.post_form(
        "/beheer/koppelingen/webhook",
        {"client": str(client.pk), "url": url},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert 'id="webhook-key"' in page and response.headers["Cache-Control"] == "no-store"
    refer(session, people, case)
    session.commit()
    _deliver(app, session)
    log = browser.get("/beheer/koppelingen").get_data(as_text=True)
    assert "referral.send" in log and "Aangekomen" in log
    stranger = login(app.test_client(), make_user("welzijn", roles=("org_admin",)))
    other = stranger.post_form(
        "/beheer/koppelingen/webhook",
        {"client": str(client.pk), "url": url},
    )
    assert other.status_code in (400, 404)
    assert session.get(ApiClient, client.pk).webhook_url == url
    assert clients.load_client(session, staff_actor(admin), client.pk).webhook_url == url
