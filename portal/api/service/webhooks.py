"""Webhooks: a partner system hears of referral events without asking.

* **Written with the change.** ``emit`` adds one ``ApiWebhookDelivery`` per listening
  system in the caller's transaction (a transactional outbox): a change that rolls back
  tells nobody, a committed one is told even after a crash.
* **Posted afterwards.** ``deliver_pending`` (``flask api deliver``) claims due deliveries
  as the e-mail outbox does (``portal.outbox.service``), posts each and records the answer;
  anything but a 2xx is tried again with back-off until ``max_attempts``.
* **Signed.** ``Ketenportaal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">``
  under the system's own key, shown once when its address is set; the receiver checks the
  signature and refuses an old ``t`` (replay).
* **No personal data.** An event names a referral, its case reference, purpose and status:
  the system fetches the rest through the API, past the policy point.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.sealing import seal, unseal
from portal.actor import Actor
from portal.api.models import ApiClient, ApiWebhookDelivery
from portal.api.service.clients import load_client, require_admin
from portal.api.service.secrets import new_secret
from portal.audit.service import record
from portal.db import lock_row, utcnow
from portal.errors import DomainError
from portal.outbox.service import backoff, claim_rows

URL_MAX = 500
#: Who hears of referral events: systems that may read referrals.
LISTENING_SCOPE = "referrals:read"
#: How long a receiver has to answer.
TIMEOUT_SECONDS = 10

Post = Callable[..., Any]


@dataclass(frozen=True)
class Event:
    """Something that happened, for the systems of ``organisation_ids``."""

    organisation_ids: frozenset[int]
    name: str
    data: dict[str, Any]


def _aad(client: ApiClient) -> str:
    return f"api_client.webhook_secret:{client.id}"


def clean_url(url: str, *, allow_http: bool) -> str:
    """An absolute https address (http only where the configuration allows it: development
    and tests), without credentials or a fragment."""
    text = (url or "").strip()
    if not text or len(text) > URL_MAX or any(ord(c) < 33 for c in text):
        raise DomainError(_l("Vul een geldig webadres in."), field="url")
    parts = urlsplit(text)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise DomainError(_l("Gebruik een https-adres."), field="url")
    if parts.username or parts.password or parts.fragment:
        raise DomainError(_l("Zet geen wachtwoord of # in het adres."), field="url")
    return text


def set_webhook(
    session: Session,
    actor: Actor,
    client: ApiClient,
    url: str,
    *,
    secret_key: str,
    allow_http: bool,
) -> str:
    """Set the system's webhook address; returns a new signing key, to be shown once."""
    client = lock_row(session, load_client(session, actor, client.id))
    if not client.active:
        raise DomainError(_l("Dit systeem is uitgezet."))
    client.webhook_url = clean_url(url, allow_http=allow_http)
    key = new_secret()
    client.webhook_secret = seal(secret_key, key, _aad(client))
    record(session, actor, "api.webhook_set", detail={"client": client.client_id})
    return key


def remove_webhook(session: Session, actor: Actor, client: ApiClient) -> None:
    client = lock_row(session, load_client(session, actor, client.id))
    client.webhook_url = client.webhook_secret = None
    record(session, actor, "api.webhook_removed", detail={"client": client.client_id})


def emit(session: Session, events: Iterable[Event]) -> int:
    """Queue each event for every active listening system of its organisations (one query
    for all of them); returns how many deliveries were queued."""
    events = list(events)
    organisations = set().union(*(e.organisation_ids for e in events)) if events else set()
    if not organisations:
        return 0
    listening: dict[int, list[ApiClient]] = {}
    for client in session.scalars(
        select(ApiClient).where(
            ApiClient.organisation_id.in_(organisations),
            ApiClient.active.is_(True),
            ApiClient.webhook_url.is_not(None),
        )
    ):
        if LISTENING_SCOPE in client.scopes:
            listening.setdefault(client.organisation_id, []).append(client)
    if not listening:
        return 0
    now = utcnow()
    queued = 0
    for event in events:
        for organisation_id in sorted(event.organisation_ids):
            for client in listening.get(organisation_id, []):
                payload = {
                    "id": uuid.uuid4().hex,
                    "event": event.name,
                    "occurred_at": now.isoformat(),
                    "data": event.data,
                }
                session.add(
                    ApiWebhookDelivery(
                        client_pk=client.id,
                        event=event.name,
                        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                queued += 1
    return queued


def signature(key: str, timestamp: int, body: str) -> str:
    digest = hmac.new(key.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def claim(session: Session, *, now: datetime, batch: int) -> list[ApiWebhookDelivery]:
    """Claim due deliveries for this worker and commit the claim (as the e-mail outbox)."""
    claimed = claim_rows(session, ApiWebhookDelivery, now=now, batch=batch)
    for delivery in claimed:
        _ = delivery.client  # loaded in the claiming transaction
    session.commit()
    return claimed


@dataclass
class WebhookReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _post(delivery: ApiWebhookDelivery, secret_key: str, post: Post) -> int:
    """Post one delivery; the receiver's status, or 0 when none came."""
    client = delivery.client
    if not client.active or not client.webhook_url or not client.webhook_secret:
        return 0
    key = unseal(secret_key, client.webhook_secret, _aad(client))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Ketenportaal-Webhooks/1",
        "Ketenportaal-Event": delivery.event,
        "Ketenportaal-Delivery": str(delivery.id),
        "Ketenportaal-Signature": signature(key, int(time.time()), delivery.payload),
    }
    try:
        answer = post(
            client.webhook_url,
            data=delivery.payload.encode(),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException:
        return 0
    return int(answer.status_code)


def deliver_pending(
    session: Session,
    *,
    secret_key: str,
    max_attempts: int = 8,
    backoff_seconds: int = 60,
    now: datetime | None = None,
    batch: int = 50,
    post: Post = requests.post,
) -> WebhookReport:
    """Post what is due. A worker job: it commits its own work."""
    now = now or utcnow()
    report = WebhookReport()
    for delivery in claim(session, now=now, batch=batch):
        status = _post(delivery, secret_key, post)
        delivery.attempts += 1
        delivery.last_status = status
        delivery.claim_token = None
        if 200 <= status < 300:
            delivery.status = "delivered"
            delivery.delivered_at = now
            report.delivered += 1
        elif delivery.attempts >= max_attempts or not delivery.client.active:
            delivery.status = "failed"
            report.failed += 1
        else:
            delivery.status = "pending"
            delivery.next_attempt_at = now + backoff(delivery.attempts, backoff_seconds)
            report.retrying += 1
        session.commit()
    return report


def delivery_log(session: Session, actor: Actor, *, limit: int = 25) -> list[ApiWebhookDelivery]:
    """The organisation's latest deliveries, for its admin page."""
    organisation_id = require_admin(actor)
    return list(
        session.scalars(
            select(ApiWebhookDelivery)
            .join(ApiClient, ApiClient.id == ApiWebhookDelivery.client_pk)
            .where(ApiClient.organisation_id == organisation_id)
            .order_by(ApiWebhookDelivery.id.desc())
            .limit(limit)
        )
    )
