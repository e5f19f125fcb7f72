"""What the case page's early-signalling panel shows, gathered and revealed in one go (one
audit event per view, like every page about a case)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.signalling.models import Objection, SignalReport
from handover.signalling.service.objections import objections_of
from handover.signalling.service.steps import Steps, derive, load, may_report_for
from portal.actor import Actor
from portal.cases.models import Case
from portal.covenant.rules import Signalling, active_covenant, active_version
from portal.sharing import Revealed, decide, reveal
from portal.workdays import local_today


@dataclass
class Panel:
    case: Case
    is_owner: bool
    rules: Signalling | None
    steps: Steps | None
    objections: list[Objection]
    may_see_objections: bool
    values: Revealed | None
    reports: list[SignalReport] = field(default_factory=list)

    @property
    def active_objection(self) -> Objection | None:
        return next((o for o in self.objections if o.active), None)

    def v(self, obj: Any, name: str) -> Any:
        return self.values.get(obj, name) if self.values is not None else None


def _rules(session: Session) -> Signalling | None:
    return active_covenant(session).signalling if active_version(session) else None


def case_panel(session: Session, actor: Actor, case: Case) -> Panel:
    """The owner sees the legal steps, the objections and the reports; a partner that may
    see the contact history sees the objections; nobody else anything personal."""
    is_owner = actor.kind == "staff" and may_report_for(actor, case)
    rules = _rules(session)
    objections = objections_of(session, case)
    may_see = decide(session, actor, case, ["contact_history"])["contact_history"].allowed
    fields: list[tuple[Any, list[str]]] = []
    loaded = None
    if is_owner and rules is not None:
        loaded = load(session, [case])
        fields.extend(loaded.fields(case).items())
    if may_see:
        fields.extend((objection, ["note"]) for objection in objections)
    values = reveal(session, actor, case, fields, action="signalling.steps") if fields else None
    steps = None
    if loaded is not None and rules is not None and values is not None:
        steps = derive(loaded.facts(case, values), rules, local_today())
    reports = []
    if is_owner:
        reports = list(
            session.scalars(
                select(SignalReport)
                .where(SignalReport.case_id == case.id)
                .order_by(SignalReport.id.desc())
            )
        )
    return Panel(case, is_owner, rules, steps, objections, may_see, values, reports)
