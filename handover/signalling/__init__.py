"""Early signalling (vroegsignalering), the landlord's side: the legal steps derived from the
groundwork, the tenant's objections, the ready-to-report list and the report itself (one
referral per case with the covenant's signalling purpose)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Blueprints, the readiness hook, audit labels, template names and the CLI."""
    from flask_babel import lazy_gettext as _l

    from handover.signalling import labels, service
    from handover.signalling.cli import signalling_cli
    from handover.signalling.tenant_views import bp as tenant_bp
    from handover.signalling.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases import register_case_page
    from portal.cases.hooks import on_case_changed

    on_case_changed(service.on_case_changed)
    register_action_labels(labels.ACTION_LABELS)
    register_case_page("signalling.for_case", _l("Melden bij de gemeente"), order=15)
    app.register_blueprint(bp)
    app.register_blueprint(tenant_bp)
    app.cli.add_command(signalling_cli)
    app.jinja_env.globals.update(
        step_done=labels.STEP_DONE,
        step_missing=labels.STEP_MISSING,
        step_state_labels=labels.STATE_LABELS,
        objection_sources=labels.SOURCE_LABELS,
        report_job_statuses=labels.JOB_STATUS_LABELS,
        report_skip_labels=labels.SKIP_LABELS,
    )
