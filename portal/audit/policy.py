"""Who may read which part of the audit log. Deny by default; hidden looks like missing.

* A case's access history: the owning organisation's caseworkers, team managers, auditors
  and organisation admins. Anyone else, including a partner the case was referred to, gets
  NotFound, exactly as for a case that does not exist.
* The auditor's view: an ``auditor`` sees the events of their own organisation's users and
  the events on their own organisation's cases, nothing else.
* A tenant: the events on their own case, through ``portal.audit.transparency``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from portal.accounts.roles import AUDITOR_ROLES, HISTORY_ROLES
from portal.actor import Actor
from portal.audit.models import AuditEvent, about_cases
from portal.cases.models import Case
from portal.errors import NotFound


def may_read_history(actor: Actor, case: Case) -> bool:
    return (
        actor.kind == "staff"
        and actor.organisation_id is not None
        and case.organisation_id == actor.organisation_id
        and bool(actor.roles & HISTORY_ROLES)
    )


def load_case_for_history(session: Session, actor: Actor, case_id: int) -> Case:
    """The case whose access history ``actor`` may read, or NotFound."""
    case = session.get(Case, case_id)
    if case is None or not may_read_history(actor, case):
        raise NotFound()
    return case


def is_auditor(actor: Actor) -> bool:
    return (
        actor.kind == "staff"
        and actor.organisation_id is not None
        and bool(actor.roles & AUDITOR_ROLES)
    )


def auditor_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``AuditEvent``: what this actor may read in the auditor's view."""
    if not is_auditor(actor):
        return false()
    own_cases = select(Case.id).where(Case.organisation_id == actor.organisation_id)
    return or_(
        AuditEvent.organisation_id == actor.organisation_id,
        about_cases(own_cases),
    )
