"""Consent's part of "Mijn werk" (``portal.work``): withdrawals and expiries this organisation
still has to acknowledge (it received data under the consent), oldest first; and its line at
the top of the case page (``portal.cases.summary``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent.models import ConsentAcknowledgement
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseAction, CaseEvent, CaseFact, SummaryPart
from portal.db import memo
from portal.work import SHOWN, WorkGroup, WorkItem, local_day


def withdrawals_to_acknowledge(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    where = (
        ConsentAcknowledgement.organisation_id == actor.organisation_id,
        ConsentAcknowledgement.acknowledged_at.is_(None),
    )
    count = session.scalar(select(func.count(ConsentAcknowledgement.id)).where(*where)) or 0
    if not count:
        return None
    rows = session.execute(
        select(Case.reference, ConsentAcknowledgement.created_at)
        .join(Case, Case.id == ConsentAcknowledgement.case_id)
        .where(*where)
        .order_by(ConsentAcknowledgement.id)
        .limit(SHOWN)
    ).all()
    title = _("Ingetrokken toestemming om te bevestigen")
    url = url_for("consent.notices")
    items = tuple(
        WorkItem(reference, title, url, _("Bevestigen"), local_day(at)) for reference, at in rows
    )
    return WorkGroup("acknowledge", title, count, items)


def _known(session: Session, actor: Actor, case: Case) -> Any:
    """The consents the actor may know of, read once for the case page's summary and its
    timeline together (``memo``: until the session writes)."""
    from consent.policy import overview

    key = ("consent_overview", case.id, actor)
    return memo(session, key, lambda: overview(session, actor, case))


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    """For the top of the case page: the consents the actor may know of (valid ones, open
    requests for the owner), and "ask consent" for the owner."""
    known = _known(session, actor, case)
    pending = [r for r in known.requests if r.status == "pending"]
    parts = [ngettext("%(num)s geldig", "%(num)s geldig", len(known.active))]
    if pending:
        parts.append(ngettext("%(num)s vraag open", "%(num)s vragen open", len(pending)))
    url = url_for("consent.case_consents", case_id=case.id)
    facts = (CaseFact(_("Toestemming"), ", ".join(parts), url),)
    actions: tuple[CaseAction, ...] = ()
    if known.is_owner and case.is_active:
        actions = (CaseAction(_("Toestemming vragen"), url_for("consent.ask", case_id=case.id)),)
    return SummaryPart(facts, actions, order=30)


def case_events(session: Session, actor: Actor, case: Case) -> list[CaseEvent]:
    """The consents the actor may know of, for the case's timeline: given (to whom) and
    withdrawn; never who represented the tenant or a note."""
    known = _known(session, actor, case)
    events = []
    for record in known.records:
        events.append(CaseEvent(record.given_at, _("Toestemming gegeven")))
        for event in record.events:
            what = (
                _("Toestemming ingetrokken")
                if event.kind == "withdrawn"
                else _("Toestemming verlopen")
            )
            events.append(CaseEvent(event.occurred_at, what))
    return events
