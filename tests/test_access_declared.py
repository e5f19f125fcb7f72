"""Deny by default: every endpoint declares its rule; only the listed ones are public."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from portal.access import AccessRule, rule_for
from portal.accounts.roles import CASEWORK_ROLES
from portal.api.models import SCOPES

#: Endpoints anyone may reach without signing in. Adding one is a security decision.
PUBLIC_ENDPOINTS = {
    "static",
    "main.home",
    "main.set_language",
    "main.healthz",
    # The accessibility statement (public information, linked from every footer).
    "main.accessibility",
    # The tenant summary of the covenant: public information, no personal data.
    "covenant.explained",
    # Signing in, step by step; each step checks its own proof (password, pending marker).
    "accounts.sign_in",
    "accounts.mfa_step",
    "accounts.recovery_step",
    "accounts.mfa_setup",
    "accounts.sign_out",
    # Partner single sign-on: choosing the organisation, the redirect, and the callback.
    "accounts.sso_choose",
    "accounts.sso_start",
    "accounts.sso_callback",
    # The invitation link (its single-use token is the proof).
    "accounts.accept_invitation",
    # The partner API's OAuth endpoints (the client authenticates in the request) and its
    # description (no data).
    "api.token",
    "api.revoke",
    "api.openapi",
    "api.reference",
    # The development mailbox: 404 unless DEV_MAILBOX is on in development or testing (the
    # production configuration refuses the flag); a developer playing the tenant reads the
    # code there without signing in. Recipients are masked, bodies hold no personal data.
    "outbox.dev_mailbox",
}


#: Tenant pages: anyone may reach them, and each checks its own proof (the link's token, the
#: identity challenge, or the tenant session). Adding one is a security decision too.
TENANT_ENDPOINTS = {
    "consent_tenant.open_link",
    "consent_tenant.identify",
    "consent_tenant.enter_code",
    "consent_tenant.come_back",
    "consent_tenant.session_ended",
    "consent_tenant.sign_out",
    "consent_tenant.digid_start",
    "consent_tenant.digid_callback",
    "consent_tenant.intro",
    "consent_tenant.choose_request",
    "consent_tenant.question",
    "consent_tenant.check",
    "consent_tenant.declined",
    "consent_tenant.done",
    "consent_tenant.receipt_json",
    "consent_tenant.receipt_pdf",
    "consent_tenant.withdrawn",
    "consent_tenant.withdrawal_json",
    "consent_tenant.withdrawal_pdf",
    "consent_tenant.my_consents",
    "consent_tenant.who_looked",
    "consent_tenant.withdraw",
    # The tenant's objection to being reported to the municipality (checks the tenant session).
    "signalling_tenant.objection",
    # The tenant's own case in plain words (checks the tenant session).
    "handover_tenant.my_case",
    "handover_tenant.say",
    "handover_tenant.correct_contact",
    # The tenant's own data, page and downloads (GDPR art. 15; checks the tenant session).
    "handover_tenant.my_data",
    "handover_tenant.my_data_json",
    "handover_tenant.my_data_pdf",
    # Her answer to an invitation to a case meeting (checks the tenant session).
    "meetings_tenant.answer",
}


#: Blueprints whose every page shows or changes a case, a referral, a decision or a consent
#: request (the tenant's consent pages are ``consent_tenant``, not in this set).
CASE_DATA_BLUEPRINTS = {
    "cases",
    "handover",
    "decisions",
    "consent",
    "earlysignal",
    "signalling",
    "nuisance",
    "meetings",
    "shelter",
    "conditions",
    "fraud",
}
#: URL arguments that name a case or something of one.
CASE_DATA_ARGUMENTS = {"case_id", "referral_id", "decision_id"}
#: Pages on a case that are not casework: the access history is an audit page (who looked,
#: when, on which basis; never the case's data), for auditors and organisation admins too.
#: Adding one is a security decision.
CASE_AUDIT_ENDPOINTS = {"audit.case_accesses"}


def case_data_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in CASE_DATA_BLUEPRINTS
        or rule.arguments & CASE_DATA_ARGUMENTS
    }


def test_case_data_endpoints_are_casework_only(app):
    """The covenant's roles decide who sees personal data, so every case page is casework:
    a new route that forgets ``@casework`` (or lists roles of its own) fails here."""
    endpoints = case_data_endpoints(app)
    assert endpoints >= CASE_AUDIT_ENDPOINTS, "an exemption no longer exists"
    casework = AccessRule("staff", CASEWORK_ROLES)
    wrong = sorted(
        e
        for e in endpoints - CASE_AUDIT_ENDPOINTS
        if rule_for(app, e) != casework and rule_for(app, e).kind != "client"
    )
    assert wrong == []
    assert len(endpoints) >= 50, "the walk must actually have walked"


def test_every_endpoint_declares_an_access_rule(app):
    missing = [r.endpoint for r in app.url_map.iter_rules() if rule_for(app, r.endpoint) is None]
    assert missing == []


def test_only_declared_endpoints_are_public(app):
    open_endpoints = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if rule_for(app, r.endpoint).kind not in ("staff", "client")
    }
    assert open_endpoints <= PUBLIC_ENDPOINTS | tenant_endpoints(app)
    assert tenant_endpoints(app) == TENANT_ENDPOINTS


def tenant_endpoints(app) -> set[str]:
    return {
        r.endpoint for r in app.url_map.iter_rules() if rule_for(app, r.endpoint).kind == "tenant"
    }


def _example_url(rule) -> str:
    values = {}
    for arg, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[arg] = 1
        elif type(converter).__name__ == "AnyConverter":
            values[arg] = sorted(converter.items)[0]
        else:
            values[arg] = "x"
    return rule.build(values, append_unknown=False)[1]


def _staff_requests(app):
    for rule in app.url_map.iter_rules():
        if rule_for(app, rule.endpoint).kind != "staff":
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, url, method


def test_staff_endpoints_refuse_anonymous_requests(app, client):
    checked = 0
    # A valid CSRF token, so that it is the access rule (not CSRF) that refuses a POST.
    token = client.csrf_token()
    for rule, url, method in _staff_requests(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in {302, 401}, (rule.rule, method, response.status_code)
        if response.status_code == 302:
            assert (
                "/login" in response.headers["Location"]
                or "/inloggen" in response.headers["Location"]
            )
        json_response = client.open(
            url, method=method, data={"csrf_token": token}, headers={"Accept": "application/json"}
        )
        assert json_response.status_code == 401, (rule.rule, method)
        checked += 1
    # The portal's own pages are behind sign-in: the walk must actually have walked.
    assert checked >= 12


def test_half_signed_in_session_passes_no_staff_endpoint(app, client, make_user, session):
    """Password done, second factor not: every staff endpoint still refuses."""
    from portal.accounts.sessions import PENDING_KEY
    from portal.db import utcnow

    user = make_user(roles=("org_admin", "caseworker", "auditor"))
    with client.session_transaction() as sess:
        sess[PENDING_KEY] = {
            "uid": user.id,
            "at": int(utcnow().timestamp()),
            "epoch": user.session_epoch,
            "method": "password",
            "next": None,
        }
    token = client.csrf_token()
    for rule, url, method in _staff_requests(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in {302, 401}, (rule.rule, method, response.status_code)


def test_flask_login_user_without_mfa_record_passes_no_staff_endpoint(
    app, client, make_user, session, login
):
    """A session naming a user but lacking the MFA-done record is not signed in."""
    from portal.accounts.sessions import AUTH_KEY

    user = make_user()
    login(client, user)
    assert client.get("/mijn-werk").status_code == 200
    with client.session_transaction() as sess:
        del sess[AUTH_KEY]
    response = client.get("/mijn-werk")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_signed_in_professional_reaches_staff_pages(client, make_user, login):
    login(client, make_user())
    assert client.get("/mijn-werk").status_code == 200


def test_api_endpoints_take_a_token_with_one_known_scope(app):
    """Every partner call needs a bearer token with a scope an admin can grant; none of them
    is reachable with a browser session, and none lives outside ``/api/v1``."""
    clients = [r for r in app.url_map.iter_rules() if rule_for(app, r.endpoint).kind == "client"]
    assert len(clients) >= 6
    for rule in clients:
        declared = rule_for(app, rule.endpoint)
        assert rule.rule.startswith("/api/v1/"), rule.rule
        assert len(declared.scopes) == 1 and declared.scopes <= set(SCOPES), rule.endpoint
        assert not declared.roles
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert {rule_for(app, r.endpoint).kind for r in api_rules} == {"client", "public"}
