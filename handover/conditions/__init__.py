"""Conditions of a trajectory followed up (reviews, breaches, the end): see
``handover.conditions.service``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from handover.conditions import service, work
    from handover.conditions.labels import ACTION_LABELS
    from handover.conditions.models import TASK_KIND
    from handover.conditions.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases.summary import register_case_summary
    from portal.grants import GrantSource, register_grant_source
    from portal.tasks import service as tasks

    # The partners' packages come from the covenant in force, like the voters'.
    register_grant_source(GrantSource("trajectory", service.expected_grants, follows_covenant=True))
    register_action_labels(ACTION_LABELS)
    tasks.register_kind(
        TASK_KIND,
        title=_l("Voorwaarden van een traject toetsen"),
        action=_l("Toetsen"),
        url=work.task_url,
    )
    register_case_summary("conditions", work.case_summary)
    app.register_blueprint(bp)
