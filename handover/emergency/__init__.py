"""Emergency access ("break the glass") for a partner when someone is in danger and no
referral exists: see ``handover.emergency.service``."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseFact, SummaryPart
from portal.jobs.registry import job
from portal.work import SHOWN, WorkGroup, WorkItem
from portal.workdays import TIMEZONE


def init_app(app: Flask) -> None:
    from handover.emergency import service
    from handover.emergency.labels import ACTION_LABELS
    from handover.emergency.views import bp
    from portal.audit.describe import register_action_labels
    from portal.cases.summary import register_case_summary
    from portal.grants import GrantSource, register_grant_source
    from portal.work import register_work_source

    register_grant_source(GrantSource("emergency", service.expected_grants))
    register_action_labels(ACTION_LABELS)
    register_work_source("emergency_review", to_review)
    register_case_summary("emergency", case_summary)
    app.register_blueprint(bp)


def to_review(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The privacy officer's part of "Mijn werk": uses of emergency access to review."""
    from handover.emergency import service

    if not service.AUDITOR_ROLES & actor.roles:
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
    from handover.emergency import service

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


@job("emergency.expire", time_limit=timedelta(minutes=10))
def expire() -> str:
    """Record the end of every emergency access past its time (reads refuse it already)."""
    from handover.emergency import service
    from portal.extensions import db

    ended = service.expire_due(db.session)
    db.session.commit()
    return f"ended: {ended}"
