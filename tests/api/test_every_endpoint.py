"""Every partner endpoint, found by walking the URL map (a new one is covered without being
listed): no token, an expired or revoked token, a token without the endpoint's scope, and a
system of an organisation the referral is not addressed to are all refused, in
problem+json; a system over its rate limit waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.access import rule_for
from portal.api.models import SCOPES, ApiToken
from tests.api.conftest import bearer
from tests.handover.conftest import refer


def _endpoints(app):
    found = []
    for rule in app.url_map.iter_rules():
        declared = rule_for(app, rule.endpoint)
        if declared.kind != "client":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method, next(iter(declared.scopes))))
    return found


def _call(api, rule, method, referral_id, headers):
    url = rule.rule.replace("<int:referral_id>", str(referral_id))
    bodies = {
        "accept": {"version": 1},
        "decline": {"version": 1, "reason": "Test reden."},
        "return": {"version": 1, "reason": "Test reden."},
        "report": {"version": 1, "report": "first_contact"},
        "outcome": {"version": 1, "outcome": "deceased"},
        "signals": {"signals": []},
    }
    body = bodies.get(rule.rule.rsplit("/", 1)[-1], {})
    return api.open(url, method=method, json=body if method == "POST" else None, headers=headers)


@pytest.fixture
def world(session, people, case):
    referral = refer(session, people, case)
    session.commit()
    return referral


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"


def _tokens(session, api, register, token, scope: str) -> dict[str, str]:
    """Per scope, once (the token endpoint has a rate limit of its own): a token without the
    scope, an expired and a revoked one with it, and one of another organisation."""
    wrong = token(register("schuldhulp", " ".join(s for s in SCOPES if s != scope)))
    right = register("schuldhulp", scope)
    expired = token(right)
    row = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    row.issued_at -= timedelta(seconds=row.expires_in + 1)
    session.commit()
    revoked = token(right)
    api.post("/api/v1/oauth/revoke", data={"token": revoked}, auth=(right.client_id, right.secret))
    stranger = token(register("welzijn", scope))
    return {"wrong": wrong, "expired": expired, "revoked": revoked, "stranger": stranger}


def test_every_endpoint_refuses_what_it_should(app, session, api, register, token, world):
    endpoints = _endpoints(app)
    assert len(endpoints) >= 8
    tokens = {scope: _tokens(session, api, register, token, scope) for scope in SCOPES}
    for rule, method, scope in endpoints:
        where = f"{method} {rule.rule}"
        given = tokens[scope]
        _problem(_call(api, rule, method, world.id, {}), 401)
        _problem(_call(api, rule, method, world.id, bearer(given["wrong"])), 403)
        _problem(_call(api, rule, method, world.id, bearer(given["expired"])), 401)
        _problem(_call(api, rule, method, world.id, bearer(given["revoked"])), 401)
        if "<int:referral_id>" in rule.rule:
            answer = _call(api, rule, method, world.id, bearer(given["stranger"]))
            _problem(answer, 404)
            assert "Testpersoon" not in answer.get_data(as_text=True), where


def test_a_system_over_its_rate_limit_waits(app, api, register, token):
    value = token(register("schuldhulp", "referrals:read"))
    saved = app.config["API_RATELIMIT"]
    app.config["API_RATELIMIT"] = "3 per minute"
    try:
        answers = [
            api.get("/api/v1/referrals", headers=bearer(value)).status_code for _ in range(5)
        ]
    finally:
        app.config["API_RATELIMIT"] = saved
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]
    response = api.get("/api/v1/referrals", headers=bearer(value))
    assert response.status_code in (200, 429)
