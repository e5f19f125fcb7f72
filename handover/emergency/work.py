"""Emergency access's part of "Mijn werk" (``portal.work``): uses waiting for the privacy
officer's review; and its line at the top of the case page (``portal.cases.summary``) for
the organisation that opened it."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from handover.emergency import service
from portal.accounts.roles import AUDITOR_ROLES
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseFact, SummaryPart
from portal.work import SHOWN, WorkGroup, WorkItem
from portal.workdays import TIMEZONE


def to_review(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The privacy officer's part of "Mijn werk": uses of emergency access to review."""
    if not AUDITOR_ROLES & actor.roles:
        return None
    count = service.unreviewed_count(session, actor)
    if not count:
        return None
    title = _("Noodtoegang toetsen")
    waiting = [u for u in service.to_review(session, actor) if u.reviewed_at is None][:SHOWN]
    items = tuple(
        WorkItem(
            subject=use.case.reference,
            what=title,
            url=url_for("emergency.review", access_id=use.id),
            action=_("Toetsen"),
        )
        for use in waiting
    )
    more = url_for("emergency.review_list") if count > len(items) else None
    return WorkGroup(
        "emergency_review", title, count, items, more, _("Alle noodtoegang") if more else None
    )


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    """At the top of the case page, for the organisation that opened it: under emergency
    access until when, with the way to end it."""
    running = service.running_on(session, actor, case)
    if running is None:
        return SummaryPart()
    until = format_datetime(running.expires_at.astimezone(TIMEZONE), "HH:mm")
    fact = CaseFact(
        _("Noodtoegang"),
        _("tot %(time)s; alles wat u bekijkt wordt vastgelegd", time=until),
        url_for("emergency.open_page"),
    )
    return SummaryPart(facts=(fact,), order=1)
