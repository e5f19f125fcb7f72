"""Housing fraud's part of "Mijn werk" (the corporation's running investigations, oldest
first: references and dates, nothing personal) and its line at the top of the case page, for
the owner only: a partner that sees the case learns nothing of an investigation."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handover.fraud.labels import SUSPICION_SHORT
from handover.fraud.models import FraudInvestigation
from handover.fraud.policy import is_owner
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.summary import CaseFact, SummaryPart
from portal.work import SHOWN, WorkGroup, WorkItem


def running(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    """The organisation's investigations without an outcome, the longest running first."""
    if not CASEWORK_ROLES & actor.roles:
        return None
    where = (
        FraudInvestigation.organisation_id == actor.organisation_id,
        FraudInvestigation.status == "open",
    )
    count = session.scalar(select(func.count(FraudInvestigation.id)).where(*where)) or 0
    if not count:
        return None
    rows = session.execute(
        select(FraudInvestigation, Case.reference)
        .join(Case, Case.id == FraudInvestigation.case_id)
        .where(*where)
        .order_by(FraudInvestigation.opened_on, FraudInvestigation.id)
        .limit(SHOWN)
    ).all()
    title = _("Woonfraudeonderzoeken zonder uitkomst")
    items = tuple(
        WorkItem(
            subject=reference,
            what=_(
                "%(what)s, sinds %(date)s",
                what=SUSPICION_SHORT[found.suspicion],
                date=format_date(found.opened_on, "long"),
            ),
            url=url_for("fraud.detail", case_id=found.case_id, investigation_id=found.id),
            action=_("Onderzoek openen"),
        )
        for found, reference in rows
    )
    return WorkGroup("fraud_running", title, count, items)


def case_summary(session: Session, actor: Actor, case: Case) -> SummaryPart:
    if not is_owner(actor, case):
        return SummaryPart()
    found = session.scalars(
        select(FraudInvestigation)
        .where(FraudInvestigation.case_id == case.id, FraudInvestigation.status == "open")
        .limit(1)
    ).first()
    if found is None:
        return SummaryPart()
    fact = CaseFact(
        _("Woonfraude"),
        _(
            "onderzoek loopt sinds %(date)s (%(what)s)",
            date=format_date(found.opened_on, "long"),
            what=SUSPICION_SHORT[found.suspicion],
        ),
        url_for("fraud.detail", case_id=case.id, investigation_id=found.id),
    )
    return SummaryPart(facts=(fact,), order=40)
