"""Conditions in "Mijn werk" and on the case page. The review dates are tasks
(``portal.tasks``): their group is registered with the task kind. The case page's line names
the running trajectory with its next review, for the owner and the partners that follow it."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.conditions import service
from handover.decisions.models import Trajectory
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseFact, SummaryPart
from portal.tasks.models import CaseTask


def task_url(task: CaseTask) -> str:
    """Where a review is done: the condition's review page."""
    _kind, _sep, condition_id = task.source.partition(":")
    return url_for("conditions.review", condition_id=int(condition_id))


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    facts = []
    running = session.scalars(
        select(Trajectory).where(Trajectory.case_id == case.id, Trajectory.status == "active")
    )
    for trajectory in running:
        if not service.may_see(session, actor, trajectory):
            continue
        end = service.end_of(session, trajectory.id)
        conditions = service.conditions_of(session, trajectory.id)
        breaches = sum(len(c.breaches) for c in conditions)
        text = (
            _("afgelopen")
            if end is not None
            else ngettext("%(num)s overtreding", "%(num)s overtredingen", breaches)
            if breaches
            else ngettext("%(num)s voorwaarde", "%(num)s voorwaarden", len(conditions))
        )
        url = url_for("conditions.trajectory", trajectory_id=trajectory.id)
        facts.append(CaseFact(_("Voorwaarden van het traject"), text, url))
    return SummaryPart(facts=tuple(facts), order=42)
