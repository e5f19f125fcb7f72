"""Housing-fraud investigations (woonfraude): findings, house visits, evidence, the tenant's
response and the outcome on the record, the subtenant referred for help, and a sealed court
file. Only the case's owner works them: see ``handover.fraud.models``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The case-page tab, the pages, the audit log's words, Mijn werk and the case summary."""
    from flask_babel import lazy_gettext as _l

    from handover.fraud import work
    from handover.fraud.labels import ACTION_LABELS
    from handover.fraud.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases import register_case_page
    from portal.cases.summary import register_case_summary
    from portal.work import register_work_source

    register_case_page("fraud.for_case", _l("Woonfraude"), order=40, owner_only=True)
    register_action_labels(ACTION_LABELS)
    register_work_source("fraud_running", work.running)
    register_case_summary("fraud", work.case_summary)
    app.register_blueprint(bp)
