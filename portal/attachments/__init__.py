"""Attachments: files on a case, encrypted under its key, downloaded through the policy point
(``portal.attachments.service``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.attachments import labels
    from portal.attachments.views import bp
    from portal.audit.describe import register_action_labels

    register_action_labels(labels.ACTION_LABELS)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(attachment_type_labels=labels.CONTENT_TYPE_LABELS)
    app.jinja_env.filters.update(file_size=labels.file_size)
