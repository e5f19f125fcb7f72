"""The application shell: pages, headers, languages, health, errors, logging."""

from __future__ import annotations

import json
import logging

import pytest
from flask import abort

from portal import create_app
from portal.access import public
from tests.conftest import Client, make_test_config


def test_home_is_styled_and_has_landmarks(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'lang="nl"' in html and 'dir="ltr"' in html
    assert "vendor/utrecht/component-library.css" in html
    assert "vendor/htmx/htmx.min.js" in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert "<script>" not in html, "no inline script under a strict CSP"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain http in tests
    assert response.headers["X-Request-ID"]


def test_hsts_and_secure_cookie_over_https(database_url, tmp_path):
    app = create_app(
        make_test_config(database_url, tmp_path, KP_HTTPS=True, SESSION_COOKIE_SECURE=True)
    )
    client = app.test_client()
    response = client.get("/taal/en?next=/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["kp_db"].engine.dispose()


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_client_address_behind_a_trusted_proxy(database_url, tmp_path, proxies, seen):
    """Only as many X-Forwarded-For hops as configured are believed: without a proxy a
    client cannot choose its own address (rate limits, the audit log's network)."""
    app = create_app(make_test_config(database_url, tmp_path, KP_TRUSTED_PROXIES=proxies))

    @app.get("/_test/addr")
    @public
    def addr() -> str:
        from flask import request

        return request.remote_addr or ""

    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert app.test_client().get("/_test/addr", headers=forwarded).text == seen
    app.extensions["kp_db"].engine.dispose()


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("nl", "ltr", "Samen huisuitzetting voorkomen"),
        ("en", "ltr", "Preventing evictions together"),
        ("tr", "ltr", "Tahliyeleri birlikte önlemek"),
        ("ar", "rtl", "نمنع الإخلاء معاً"),
    ],
)
def test_language_switch(client, lang, direction, heading):
    response = client.get(f"/taal/{lang}?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert f'lang="{lang}"' in html and f'dir="{direction}"' in html
    assert heading in html


def test_templates_translate_in_the_locale_of_the_moment(app):
    """A template rendered under ``force_locale`` (a receipt in the reader's language) speaks
    that language, and the request's own language again afterwards."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = (
        '{{ _("Casussen") }}: '
        '{{ ngettext("%(num)s casus gevonden.", "%(num)s casussen gevonden.", 2) }}'
    )
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert render_template_string(template) == "Casussen: 2 casussen gevonden."
        with force_locale("en"):
            assert render_template_string(template) == "Cases: 2 cases found."
        with force_locale("tr"):
            assert render_template_string(template).startswith("Dosyalar: ")
        assert render_template_string(template) == "Casussen: 2 casussen gevonden."


def test_template_globals_stay_live(app):
    """A name the environment gains after a template was loaded is seen by it, and an
    importing template still tells Jinja which names it has (``portal.jinja``)."""
    template = app.jinja_env.from_string(
        '{% import "components/badge.html" as b %}{{ kp_later }} {{ b.status_badge("x") }}'
    )
    app.jinja_env.globals["kp_later"] = "seen"
    try:
        assert template.render().startswith("seen <span")
        assert "kp_later" in set(template.globals.keys())
    finally:
        del app.jinja_env.globals["kp_later"]
    assert "kp_later" not in set(template.globals.keys())


def test_language_from_browser_preference(client):
    html = client.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).get_data(as_text=True)
    assert 'lang="tr"' in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_language_switch_refuses_open_redirect(client, target):
    response = client.get("/taal/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client):
    assert client.get("/taal/xx").status_code == 404


def test_healthz_checks_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path}/missing/dir/db.sqlite", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.fixture
def error_app(database_url, tmp_path):
    """A fresh app with routes that fail on purpose (routes cannot be added after serving)."""
    app = create_app(make_test_config(database_url, tmp_path, MAX_CONTENT_LENGTH=1024))

    @app.post("/_test/form")
    @public
    def _form():
        from flask import request

        return str(len(request.form.get("text", "")))

    @app.get("/_test/boom")
    @public
    def _boom():
        raise RuntimeError("secret personal detail 123456782")

    @app.get("/_test/abort/<int:code>")
    @public
    def _abort(code: int):
        abort(code)

    app.add_url_rule("/_test/undeclared", "undeclared", lambda: "open")
    yield app
    app.extensions["kp_db"].engine.dispose()


@pytest.mark.parametrize("code", [400, 403, 404, 429])
def test_error_pages_are_friendly_and_translated(error_app, code):
    client = error_app.test_client()
    client.get("/taal/ar")
    response = client.get(f"/_test/abort/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert 'dir="rtl"' in html and "Traceback" not in html
    assert f"{code}" in html


def test_405_has_allow_header(error_app):
    response = error_app.test_client().get("/_test/form")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Dit kan zo niet" in response.get_data(as_text=True)


def test_500_hides_the_exception_and_logs_no_message(error_app, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.errors"):
        response = error_app.test_client().get("/_test/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "123456782" not in html and "RuntimeError" not in html
    assert "Er ging iets mis bij ons" in html
    formatted = [error_app.logger.handlers[0].formatter.format(r) for r in caplog.records]
    assert formatted and all("123456782" not in line for line in formatted)
    assert json.loads(formatted[0])["exception"] == "RuntimeError"


def test_post_without_csrf_token_is_refused(error_app):
    response = error_app.test_client().post("/_test/form", data={"text": "x"})
    assert response.status_code == 400
    assert "formulier is verlopen" in response.get_data(as_text=True)


def test_csrf_token_accepted_as_header_for_htmx(error_app):
    error_app.test_client_class = Client
    client = error_app.test_client()
    token = client.csrf_token()
    response = client.post("/_test/form", data={"text": "abc"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_data(as_text=True) == "3"


def test_413_for_oversized_upload(error_app):
    client = error_app.test_client()
    response = client.post("/_test/form", data={"text": "x" * 5000})
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)


def test_undeclared_endpoint_is_denied(error_app):
    assert error_app.test_client().get("/_test/undeclared").status_code == 403


def test_json_errors_for_api_clients(error_app):
    response = error_app.test_client().get(
        "/_test/abort/404", headers={"Accept": "application/json"}
    )
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_access_log_names_route_not_path(client, caplog):
    with caplog.at_level(logging.INFO, logger="portal.access"):
        client.get("/taal/en?next=/secret-token-abc")
    lines = [r for r in caplog.records if getattr(r, "event", None) == "request"]
    assert lines and lines[-1].endpoint == "/taal/<lang>"
    assert all("secret-token-abc" not in r.getMessage() for r in caplog.records)


def test_request_id_is_echoed_when_well_formed(client):
    assert client.get("/", headers={"X-Request-ID": "abcdef123456"}).headers["X-Request-ID"] == (
        "abcdef123456"
    )
    assert client.get("/", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"
