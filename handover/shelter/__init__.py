"""The shelter hand-over of an approved eviction (centraal meldpunt opvang): see
``handover.shelter.service``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from handover.decisions.policy import register_bailiff_check
    from handover.decisions.service import on_assignment_issued
    from handover.shelter import service, work
    from handover.shelter.labels import ACTION_LABELS
    from handover.shelter.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases.summary import register_case_summary
    from portal.work import register_work_source

    on_assignment_issued(service.start)
    register_bailiff_check(service.bailiff_hold)
    register_action_labels(ACTION_LABELS)
    register_work_source("shelter_prepare", work.to_prepare)
    register_work_source("shelter_waiting", work.waiting)
    register_case_summary("shelter", work.case_summary)
    app.register_blueprint(bp)
