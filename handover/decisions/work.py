"""The joint decisions' part of "Mijn werk" (``portal.work``): votes this organisation still
has to cast, by the vote's deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handover.decisions.models import Decision, DecisionVoter
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseAction, CaseEvent, CaseFact, SummaryPart
from portal.db import memo
from portal.work import SHOWN, WorkGroup, WorkItem, local_day


def votes_to_cast(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    where = (
        DecisionVoter.organisation_id == actor.organisation_id,
        DecisionVoter.position.is_(None),
        Decision.status == "voting",
    )
    count = (
        session.scalar(
            select(func.count(DecisionVoter.id))
            .join(Decision, Decision.id == DecisionVoter.decision_id)
            .where(*where)
        )
        or 0
    )
    if not count:
        return None
    rows = session.execute(
        select(Decision.id, Case.reference, Decision.deadline_at)
        .join(DecisionVoter, DecisionVoter.decision_id == Decision.id)
        .join(Case, Case.id == Decision.case_id)
        .where(*where)
        .order_by(Decision.deadline_at, Decision.id)
        .limit(SHOWN)
    ).all()
    title = _("Stemmen voor uw organisatie")
    items = tuple(
        WorkItem(
            reference,
            title,
            url_for("decisions.detail", decision_id=decision_id) + "#decision-vote",
            _("Stemmen"),
            local_day(deadline),
        )
        for decision_id, reference, deadline in rows
    )
    return WorkGroup("votes", title, count, items)


def _visible(session: Session, actor: Actor, case: Case) -> list[Any]:
    """The case's decisions the actor takes part in, read once for the case page's summary
    and its timeline together (``memo``: until the session writes)."""
    from handover.decisions.policy import decisions_of_case

    key = ("decisions_of_case", case.id, actor)
    return memo(session, key, lambda: decisions_of_case(session, actor, case))


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    """For the top of the case page: a decision still open (preparing or voting) that the
    actor takes part in, and "open a decision" for the owner when none is."""
    from handover.decisions.labels import STATUSES
    from handover.decisions.models import OPEN

    open_ones = [d for d in _visible(session, actor, case) if d.status in OPEN]
    facts = tuple(
        CaseFact(
            _("Gezamenlijk besluit"),
            str(STATUSES.get(d.status, d.status)),
            url_for("decisions.detail", decision_id=d.id),
        )
        for d in open_ones
    )
    actions: tuple[CaseAction, ...] = ()
    if actor.organisation_id == case.organisation_id and case.is_active and not open_ones:
        actions = (CaseAction(_("Besluit openen"), url_for("decisions.new", case_id=case.id)),)
    return SummaryPart(facts, actions, order=40)


def case_events(session: Session, actor: Actor, case: Case) -> list[CaseEvent]:
    """The joint decisions the actor takes part in, for the case's timeline: opened, vote
    opened, decided with its outcome (never a motivation)."""
    from handover.decisions.labels import OUTCOMES

    events = []
    for d in _visible(session, actor, case):
        owner = d.organisation.name
        events.append(CaseEvent(d.created_at, _("Gezamenlijk besluit geopend"), "", owner))
        if d.voting_opened_at:
            events.append(CaseEvent(d.voting_opened_at, _("Stemming geopend"), "", owner))
        if d.outcome and d.closed_at:
            outcome = str(OUTCOMES.get(d.outcome, d.outcome))
            events.append(CaseEvent(d.closed_at, _("Besluit genomen"), outcome, owner))
    return events
