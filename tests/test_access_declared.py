"""Deny by default: every endpoint declares its rule; only the listed ones are public."""

from __future__ import annotations

from portal.access import rule_for

#: Endpoints anyone may reach without signing in. Adding one is a security decision.
PUBLIC_ENDPOINTS = {
    "static",
    "main.home",
    "main.set_language",
    "main.healthz",
    # The tenant summary of the covenant: public information, no personal data.
    "covenant.explained",
}


def test_every_endpoint_declares_an_access_rule(app):
    missing = [r.endpoint for r in app.url_map.iter_rules() if rule_for(app, r.endpoint) is None]
    assert missing == []


def test_only_declared_endpoints_are_public(app):
    open_endpoints = {
        r.endpoint for r in app.url_map.iter_rules() if rule_for(app, r.endpoint).kind != "staff"
    }
    assert open_endpoints <= PUBLIC_ENDPOINTS | tenant_endpoints(app)


def tenant_endpoints(app) -> set[str]:
    return {
        r.endpoint for r in app.url_map.iter_rules() if rule_for(app, r.endpoint).kind == "tenant"
    }


def _example_url(rule) -> str:
    values = {}
    for arg, converter in rule._converters.items():
        values[arg] = 1 if type(converter).__name__ in {"IntegerConverter"} else "x"
    return rule.build(values, append_unknown=False)[1]


def test_staff_endpoints_refuse_anonymous_requests(app, client):
    for rule in app.url_map.iter_rules():
        if rule_for(app, rule.endpoint).kind != "staff":
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in {302, 401}, (rule.rule, method, response.status_code)
            if response.status_code == 302:
                assert (
                    "/login" in response.headers["Location"]
                    or "/inloggen" in response.headers["Location"]
                )
