"""Which cases an actor may know exist; loaders that answer NotFound for the rest.

A professional sees the cases their organisation owns and those a grant (an active referral,
a joint decision it votes on: a row of ``case_grant``) makes visible, a tenant the case their
person record belongs to, a system command every case. What a user may *see* of a case is
decided by the policy point (``portal.sharing``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from portal.actor import Actor
from portal.cases.models import Case, ImportJob, Person
from portal.errors import NotFound


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``Case`` selecting the cases ``actor`` may know."""
    if actor.kind == "system":
        return true()
    if actor.kind == "staff" and actor.organisation_id is not None:
        from portal.grants import shared_with

        return or_(
            Case.organisation_id == actor.organisation_id, shared_with(actor.organisation_id)
        )
    if actor.kind == "tenant" and actor.person_id is not None:
        return (
            Case.id == select(Person.case_id).where(Person.id == actor.person_id).scalar_subquery()
        )
    return false()


def load_case(session: Session, actor: Actor, case_id: int, *loads: ExecutableOption) -> Case:
    """The case, if the actor may know it; ``loads`` bring what the caller will read of it in
    the same statement (eager loads: on PostgreSQL each lazy load is a round trip)."""
    case = session.scalar(
        select(Case).where(Case.id == case_id, visible_cases(actor)).options(*loads)
    )
    if case is None:
        raise NotFound()
    return case


def load_case_by_reference(session: Session, actor: Actor, reference: str) -> Case:
    case = session.scalar(
        select(Case).where(Case.reference == reference.strip().upper(), visible_cases(actor))
    )
    if case is None:
        raise NotFound()
    return case


def load_own_case(session: Session, actor: Actor, case_id: int) -> Case:
    """A case the actor's own organisation owns, for what only the owner may do (refer it,
    open a decision, record consent). A case another partner merely shares with the actor
    answers ``NotFound`` like a missing one: the owner's actions are not offered to it."""
    case = load_case(session, actor, case_id)
    if actor.organisation_id is None or case.organisation_id != actor.organisation_id:
        raise NotFound()
    return case


def load_import_job(session: Session, actor: Actor, job_id: int) -> ImportJob:
    """An import job of the actor's own organisation. Its report names the cases and rows
    of that organisation's file, so another organisation's job answers ``NotFound`` like a
    missing one (an actor without an organisation, such as a system command, has none)."""
    job = session.get(ImportJob, job_id)
    if job is None or job.organisation_id != actor.organisation_id:
        raise NotFound()
    return job
