"""Tasks with an owner and a deadline on a case, shown in Mijn werk
(``portal.tasks.service``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from portal.audit.describe import register_action_labels

    register_action_labels(
        {
            "task.added": _l("Taak gegeven"),
            "task.done": _l("Taak afgerond"),
            "task.cancelled": _l("Taak vervallen"),
        }
    )
