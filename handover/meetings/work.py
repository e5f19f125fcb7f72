"""Case meetings in Mijn werk: an agreement made at the table is a task (``portal.tasks``) of
the partner who owns it, linked to the discussion where it was made."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from handover.meetings.minutes import TASK_KIND
from portal.tasks import service as tasks
from portal.tasks.models import CaseTask


def _url(task: CaseTask) -> str:
    agreement_id = int(task.source.split(":", 1)[1])
    return url_for("meetings.agreement", agreement_id=agreement_id)


def register() -> None:
    tasks.register_kind(
        TASK_KIND,
        title=_l("Afspraken uit een casusoverleg"),
        action=_l("Bekijken"),
        url=_url,
    )
