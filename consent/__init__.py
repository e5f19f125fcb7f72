"""Consent records and requests, the tenant's consent pages, receipts, and consent's part of
the sharing policy (its look-up, plugged into ``portal.sharing``; consent grants nothing by
itself, see ``consent.policy``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by ``portal.create_app``: plug consent into the policy point, add the pages,
    the SMS sender and the ``flask consent`` commands."""
    from flask_babel import lazy_gettext as _l

    from consent import sms, tenant, work
    from consent.cli import consent_cli
    from consent.labels import ACTION_LABELS
    from consent.policy import consent_lookup
    from consent.tenant_views import bp as tenant_bp
    from consent.views import bp as professional_bp
    from consent.work import withdrawals_to_acknowledge
    from portal import sharing
    from portal.audit.describe import register_action_labels
    from portal.cases import register_case_page
    from portal.cases.summary import register_case_events, register_case_summary
    from portal.work import register_work_source

    register_case_page("consent.case_consents", _l("Toestemming"), order=20)
    sharing.register_consent_lookup(consent_lookup)
    register_action_labels(ACTION_LABELS)
    register_work_source("acknowledge", withdrawals_to_acknowledge)
    register_case_summary("consent", work.case_summary)
    register_case_events("consent", work.case_events)
    sms.init_app(app)
    app.register_blueprint(professional_bp)
    app.register_blueprint(tenant_bp)
    app.cli.add_command(consent_cli)
    app.jinja_env.globals["tenant_representing"] = tenant.representing
