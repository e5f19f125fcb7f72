"""The tenant's short session, after they proved who they are.

Tenants have no account. Proof (a one-time code with their birth date, or the DigiD-style
broker) gives a session holding only the person record ids they proved to be, when it began
and when it was last used. It ends after ``TENANT_SESSION_IDLE_MINUTES`` without use, after
two hours in any case, or when the tenant signs out. Professionals' sign-in is separate
(``portal.accounts.sessions``): a tenant session never opens a staff page.

The session is kept on the server (``portal.accounts.session_store``), so signing out or
timing out ends it for every copy of the cookie; beginning and ending it move the browser to a
fresh session id. Keys in the session (ids and timestamps, never personal data):

* ``kp_tenant``: ``{"pids": [...], "at": ts, "seen": ts, "via": "code"|"digid", "rid": id,
  "mid": mandate id}``; ``mid`` only when a legal representative signed in for her
  (``portal.cases.mandates``): every action then carries ``mandate:<mid>``, and the session
  ends as soon as the mandate does.
* ``kp_consent_link``: the invitation a link opened, before the identity check.
* ``kp_consent_challenge``: the challenge id and this browser's secret for it.
* ``kp_consent_answers``: the answers so far, ``{"rid": id, "a": {"0": [codes]}}``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask import current_app, g, has_request_context, request, session

from portal.accounts import session_store
from portal.actor import Actor, truncate_address
from portal.cases.mandates import live_mandate
from portal.cases.models import TenantMandate
from portal.db import utcnow
from portal.extensions import db

TENANT_KEY = "kp_tenant"
LINK_KEY = "kp_consent_link"
CHALLENGE_KEY = "kp_consent_challenge"
ANSWERS_KEY = "kp_consent_answers"
RETURN_KEY = "kp_consent_return"
MAX_HOURS = 2


def _ts(now: datetime) -> int:
    return int(now.timestamp())


def begin(
    person_ids: list[int],
    *,
    via: str,
    request_id: int | None,
    now: datetime,
    mandate: tuple[int, str] | None = None,
) -> None:
    """Start a tenant session (the identity check passed); earlier consent steps are gone.
    A representative's session holds one person: the one they act for."""
    for key in (TENANT_KEY, LINK_KEY, CHALLENGE_KEY, ANSWERS_KEY):
        session.pop(key, None)
    session_store.regenerate()
    session[TENANT_KEY] = {
        "pids": sorted(set(person_ids)),
        "at": _ts(now),
        "seen": _ts(now),
        "via": via,
        "rid": request_id,
        "sid": secrets.token_urlsafe(12),
    }
    if mandate is not None:
        session[TENANT_KEY].update(pids=[person_ids[0]], mid=mandate[0], mk=mandate[1])


def end() -> None:
    """Sign out (or time out): the server forgets the session, so a copied cookie is refused."""
    for key in (TENANT_KEY, LINK_KEY, CHALLENGE_KEY, ANSWERS_KEY, RETURN_KEY):
        session.pop(key, None)
    session_store.regenerate()


def current(now: datetime | None = None) -> dict[str, Any] | None:
    """The live tenant session, refreshed; ``None`` (and ended) when it timed out."""
    data = session.get(TENANT_KEY)
    if not isinstance(data, dict) or not data.get("pids"):
        return None
    now = now or utcnow()
    idle = current_app.config["TENANT_SESSION_IDLE_MINUTES"] * 60
    if _ts(now) - int(data.get("seen", 0)) > idle or _ts(now) - int(data.get("at", 0)) > (
        MAX_HOURS * 3600
    ):
        end()
        g.tenant_session_ended = True
        return None
    if data.get("mid") is not None and mandate() is None:
        end()  # the mandate ended: the representative can no longer act for her
        g.tenant_session_ended = True
        return None
    if _ts(now) - int(data.get("seen", 0)) >= session_store.TOUCH_SECONDS:
        data["seen"] = _ts(now)  # once a minute: a write to the session store
        session.modified = True
    return data


def set_request(request_id: int | None) -> None:
    data = session.get(TENANT_KEY)
    if isinstance(data, dict):
        data["rid"] = request_id
        session.modified = True
    session.pop(ANSWERS_KEY, None)


def mandate() -> TenantMandate | None:
    """The live mandate a representative's session runs under (``None``: she herself)."""
    data = session.get(TENANT_KEY)
    if not isinstance(data, dict) or data.get("mid") is None:
        return None
    return live_mandate(db.session, int(data["mid"]), int(data["pids"][0]))


def representing() -> str | None:
    """The kind of mandate ("bewindvoerder", ...) a representative's session runs under, for
    the notice on every tenant page (read through the policy point at sign-in)."""
    data = session.get(TENANT_KEY)
    if not isinstance(data, dict) or data.get("mid") is None:
        return None
    return data.get("mk") or None


def actor(person_id: int) -> Actor:
    """The tenant as actor for services and the audit log; a representative acts as her, on
    the record as ``mandate:<id>``."""
    data = session.get(TENANT_KEY) if has_request_context() else None
    mid = data.get("mid") if isinstance(data, dict) else None
    return Actor(
        kind="tenant",
        person_id=person_id,
        label="representative" if mid is not None else "tenant",
        on_behalf_of=f"mandate:{mid}" if mid is not None else None,
        request_id=g.get("request_id") if has_request_context() else None,
        client_addr=truncate_address(request.remote_addr) if has_request_context() else None,
    )


def browser_secret() -> str:
    """A random secret for this browser's identity challenge (binds the code to it)."""
    data = session.get(CHALLENGE_KEY) or {}
    secret = data.get("secret")
    if not isinstance(secret, str):
        secret = secrets.token_urlsafe(24)
        session[CHALLENGE_KEY] = {"secret": secret, "id": None}
    return secret


def remember_challenge(challenge_id: int, secret: str, channel: str | None) -> None:
    session[CHALLENGE_KEY] = {"secret": secret, "id": challenge_id, "channel": channel}


def challenge_ref() -> tuple[int | None, str | None, str | None]:
    data = session.get(CHALLENGE_KEY) or {}
    return data.get("id"), data.get("secret"), data.get("channel")


def answers(request_id: int) -> dict[int, list[str]]:
    data = session.get(ANSWERS_KEY) or {}
    if data.get("rid") != request_id:
        return {}
    return {int(k): list(v) for k, v in (data.get("a") or {}).items()}


def save_answer(request_id: int, index: int, categories: list[str]) -> None:
    data = session.get(ANSWERS_KEY) or {}
    if data.get("rid") != request_id:
        data = {"rid": request_id, "a": {}}
    data["a"][str(index)] = categories
    session[ANSWERS_KEY] = data
