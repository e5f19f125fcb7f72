"""Referrals between partners, the escalation ladder, inboxes, SLA timers and joint decisions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug referrals into the grants table and consent, register the blueprint and commands."""
    from consent.hooks import on_consent_withdrawn
    from handover import policy, service
    from handover.api import bp as api_bp
    from handover.cli import sla_cli
    from handover.labels import ACTION_LABELS
    from handover.tenant_views import bp as tenant_bp
    from handover.views import bp
    from portal import api
    from portal.audit.describe import register_action_labels
    from portal.grants import GrantSource, register_grant_source

    register_grant_source(GrantSource("referral", policy.expected_grants))
    on_consent_withdrawn(service.consent_ended)
    register_action_labels(ACTION_LABELS)
    app.register_blueprint(bp)
    api.register(app, api_bp)
    app.register_blueprint(tenant_bp)
    app.cli.add_command(sla_cli)

    from handover import decisions, earlysignal, signalling

    decisions.init_app(app)
    earlysignal.init_app(app)
    signalling.init_app(app)
