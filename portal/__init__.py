"""Ketenportaal: chain partners working one tenant's case together under a covenant.

``create_app`` is the composition root: the only place that knows the kernel (``portal``),
``consent`` and ``handover`` together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent

#: Every module that defines tables, for Alembic; kernel first, then consent, then handover.
MODEL_MODULES = (
    "portal.accounts.models",
    "portal.audit.models",
    "portal.crypto.models",
    "portal.cases.models",
    "portal.covenant.models",
    "portal.outbox.models",
    "portal.api.models",
    "portal.jobs.models",
    "portal.attachments.models",
    "portal.tasks.models",
    "consent.models",
    "handover.models",
    "handover.decisions.models",
    "handover.fraud.models",
    "handover.shelter.models",
    "handover.conditions.models",
    "handover.signalling.models",
    "handover.earlysignal.models",
    "handover.steering.models",
    "handover.emergency.models",
    "handover.nuisance.models",
    "handover.meetings.models",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from portal import access, cli, crypto, errors, headers, i18n, jinja, logs, numbers
    from portal import config as config_module
    from portal.accounts import login, session_store
    from portal.extensions import babel, csrf, db, htmx, limiter, login_manager

    config = config or {}
    app = Flask(
        __name__,
        instance_path=str(config.get("INSTANCE_PATH") or ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.jinja_environment = jinja.Environment  # before anything makes the environment
    app.config.update(config_module.from_env(Path(app.instance_path), preset=config))
    if proxies := app.config["KP_TRUSTED_PROXIES"]:
        # Behind a reverse proxy the client's address and scheme arrive in X-Forwarded-*
        # headers: trust exactly as many hops as there are proxies (rate limits and the audit
        # log's network need the client's address, not the proxy's).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # Werkzeug documents wrapping wsgi_app
    numbers.init_app(app)  # before any blueprint adds an <int:...> rule

    logs.configure_logging(app)
    db.init_app(app)
    app.session_interface = session_store.ServerSessionInterface()
    crypto.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(app.root_path) / "translations"),
    )
    i18n.install_template_gettext(app)
    i18n.install_template_filters(app)
    login.init_app(app)
    access.init_app(app)
    # After access: an anonymous POST is refused as "sign in first", not as a CSRF failure.
    csrf.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from portal.accounts.admin import bp as orgadmin_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.audit.views import bp as audit_bp
    from portal.covenant.views import bp as covenant_bp
    from portal.main.views import bp as main_bp
    from portal.reports.views import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(orgadmin_bp)
    app.register_blueprint(covenant_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(reports_bp)

    from portal.outbox import dev_mailbox

    dev_mailbox.init_app(app)  # development only: 404 and no delivery without DEV_MAILBOX

    from portal import api

    api.init_app(app)

    import consent
    import handover

    consent.init_app(app)
    handover.init_app(app)

    from portal import cases

    cases.init_app(app)

    from portal import attachments, tasks

    attachments.init_app(app)
    tasks.init_app(app)

    from portal import jobs

    jobs.init_app(app)  # last: every room has declared its jobs

    from portal.audit.describe import basis_in_words

    app.jinja_env.filters["basis_words"] = lambda basis: basis_in_words(db.session, basis)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        text_direction=i18n.text_direction,
        language_names=i18n.LANGUAGE_NAMES,
    )
    app.jinja_env.autoescape = True
    return app
