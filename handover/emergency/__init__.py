"""Emergency access ("break the glass") for a partner when someone is in danger and no
referral exists: see ``handover.emergency.service``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from handover.emergency import service, work
    from handover.emergency.labels import ACTION_LABELS
    from handover.emergency.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases.summary import register_case_summary
    from portal.grants import GrantSource, register_grant_source
    from portal.work import register_work_source

    register_grant_source(GrantSource("emergency", service.expected_grants))
    register_action_labels(ACTION_LABELS)
    register_work_source("emergency_review", work.to_review)
    register_case_summary("emergency", work.case_summary)
    app.register_blueprint(bp)
