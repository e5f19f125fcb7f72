"""The municipality's side of early signalling: its signal case, contact attempts, outcome,
the legal deadlines on working days, and the feedback the signalling partner may have.

Kept free of imports at package level: ``handover.service`` calls ``deadlines.signals_sent``
when it sends a referral, and this package's service calls ``handover.service`` in turn.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and the audit actions' labels."""
    from handover.earlysignal.labels import ACTION_LABELS
    from handover.earlysignal.views import bp
    from portal.audit.describe import register_action_labels

    register_action_labels(ACTION_LABELS)
    app.register_blueprint(bp)
