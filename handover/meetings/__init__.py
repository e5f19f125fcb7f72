"""Case meetings (casusoverleg): an agenda of cases, partners invited by the covenant's rules,
the tenant at the table, the life map on screen, minutes, agreements as tasks and guests who
sign a confidentiality statement first; see ``handover.meetings.service``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from handover.meetings import service, work
    from handover.meetings.labels import ACTION_LABELS
    from handover.meetings.tenant import bp as tenant_bp
    from handover.meetings.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases import register_case_page
    from portal.grants import GrantSource, register_grant_source

    register_grant_source(GrantSource("meeting_item", service.expected_grants, True))
    register_action_labels(ACTION_LABELS)
    register_case_page("meetings.for_case", _l("Casusoverleg"), order=35)
    work.register()
    app.register_blueprint(bp)
    app.register_blueprint(tenant_bp)
