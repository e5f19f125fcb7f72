"""Referrals between partners, the escalation ladder, inboxes, SLA timers and joint decisions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug referrals into the grants table and consent, register the blueprint and commands."""
    from consent.hooks import on_consent_withdrawn
    from handover import emergency, policy, service, work
    from handover.api import bp as api_bp
    from handover.cli import sla_cli
    from handover.labels import ACTION_LABELS, STATUS_LABELS
    from handover.steering.views import bp as steering_bp
    from handover.tenant_views import bp as tenant_bp
    from handover.views import bp
    from portal import api
    from portal.audit.describe import register_action_labels
    from portal.cases.hooks import on_tenant_reached
    from portal.cases.summary import register_case_events, register_case_summary
    from portal.grants import GrantSource, register_grant_source
    from portal.work import register_work_source

    register_grant_source(GrantSource("referral", policy.expected_grants))
    on_consent_withdrawn(service.consent_ended)
    on_tenant_reached(service.tenant_reached)
    register_action_labels(ACTION_LABELS)
    # One table of a referral's statuses in words, for the pages' badges and the services.
    app.jinja_env.globals["referral_status_labels"] = STATUS_LABELS
    register_work_source("referrals_sent", work.awaiting_answer)
    register_work_source("first_contact", work.awaiting_first_contact)
    register_work_source("next_step", work.next_step_to_choose)
    register_case_summary("referrals", work.case_summary)
    register_case_events("referrals", work.case_events)
    app.register_blueprint(bp)
    api.register(app, api_bp)
    app.register_blueprint(tenant_bp)
    app.register_blueprint(steering_bp)
    emergency.init_app(app)
    app.cli.add_command(sla_cli)

    from handover import conditions, decisions, earlysignal, fraud, shelter, signalling

    decisions.init_app(app)
    fraud.init_app(app)
    shelter.init_app(app)
    conditions.init_app(app)
    earlysignal.init_app(app)
    signalling.init_app(app)

    from handover import meetings, nuisance

    nuisance.init_app(app)
    meetings.init_app(app)
