"""Nuisance files (overlast): reports, agreements with the tenant and the partners involved in
the approach; see ``handover.nuisance.service``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from handover.decisions.prevention import register_describer, register_provider
    from handover.nuisance import prevention
    from handover.nuisance.labels import ACTION_LABELS, KIND_LABELS, SOURCE_LABELS, STATUS_LABELS
    from handover.nuisance.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases import register_case_page

    register_action_labels(ACTION_LABELS)
    register_case_page("nuisance.for_case", _l("Overlast"), order=30)
    register_provider(prevention.PROVIDER)
    register_describer("nuisance_report", prevention.describe)
    register_describer("nuisance_agreement", prevention.describe)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        nuisance_kinds=KIND_LABELS,
        nuisance_sources=SOURCE_LABELS,
        nuisance_statuses=STATUS_LABELS,
    )
