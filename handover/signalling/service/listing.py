"""The ready-to-report list: one organisation's readiness rows of one state, newest case
first, by keyset on the case id. One seek on ``ix_signal_readiness_list`` (organisation,
state, case id) per page, joined to the page's cases for their references: the same cost at
ten cases as at a million. Nothing is decrypted: the rows hold no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.signalling.models import STATES, SignalReadiness
from handover.signalling.service.steps import STEP_BITS, STEPS
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.cases.models import Case
from portal.errors import NotFound

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListRow:
    case_id: int
    reference: str
    state: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ListPage:
    state: str
    rows: list[ListRow]
    next_before: int | None


def missing_steps(mask: int) -> tuple[str, ...]:
    return tuple(step for step in STEPS if mask & STEP_BITS[step])


def ready_page(
    session: Session,
    actor: Actor,
    state: str = "ready",
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> ListPage:
    """A page of the actor's organisation's cases in ``state`` (an unknown state: ready)."""
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        raise NotFound()
    state = state if state in STATES else "ready"
    query = (
        select(SignalReadiness.case_id, Case.reference, SignalReadiness.missing)
        .join(Case, Case.id == SignalReadiness.case_id)
        .where(
            SignalReadiness.organisation_id == actor.organisation_id,
            SignalReadiness.state == state,
        )
        .order_by(SignalReadiness.case_id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(SignalReadiness.case_id < before)
    found = session.execute(query).tuples().all()
    rows = [
        ListRow(case_id, reference, state, missing_steps(mask))
        for case_id, reference, mask in found[:limit]
    ]
    more = len(found) > limit
    return ListPage(state, rows, rows[-1].case_id if more and rows else None)


def ready_case_ids(
    session: Session, actor: Actor, *, after: int = 0, limit: int = 500
) -> list[int]:
    """The next ids of the organisation's ready cases, oldest first ("report all ready")."""
    if actor.organisation_id is None:
        return []
    return list(
        session.scalars(
            select(SignalReadiness.case_id)
            .where(
                SignalReadiness.organisation_id == actor.organisation_id,
                SignalReadiness.state == "ready",
                SignalReadiness.case_id > after,
            )
            .order_by(SignalReadiness.case_id)
            .limit(limit)
        )
    )
