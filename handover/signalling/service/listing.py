"""The ready-to-report list: one organisation's readiness rows of one state, newest case
first, by keyset on the case id. One seek on ``ix_signal_readiness_list`` (organisation,
state, case id) per page, joined to the page's cases: the same cost at ten cases as at a
million. The caseworker sees whom and how much before reporting: the main tenant's name and
the arrears of the page's cases, revealed by the policy point with one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handover.signalling.models import STATES, SignalReadiness
from handover.signalling.service.steps import STEP_BITS, STEPS
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.cases.display import full_name
from portal.cases.models import Case
from portal.crypto.fields import preload_keys
from portal.errors import NotFound
from portal.sharing import preload_grants, reveal_list

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListRow:
    case_id: int
    reference: str
    state: str
    missing: tuple[str, ...]
    name: str = ""
    #: The arrears in cents, ``None`` when unknown, or the policy point's ``Withheld`` marker.
    arrears: Any = None


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
        select(Case, SignalReadiness.missing)
        .join(Case, Case.id == SignalReadiness.case_id)
        .where(
            SignalReadiness.organisation_id == actor.organisation_id,
            SignalReadiness.state == state,
        )
        .order_by(SignalReadiness.case_id.desc())
        .limit(limit + 1)
        .options(selectinload(Case.persons))
    )
    if before is not None:
        query = query.where(SignalReadiness.case_id < before)
    found = session.execute(query).tuples().all()
    page = found[:limit]
    shown = _names_and_arrears(session, actor, [case for case, _mask in page])
    rows = [
        ListRow(case.id, case.reference, state, missing_steps(mask), *shown[case.id])
        for case, mask in page
    ]
    more = len(found) > limit
    return ListPage(state, rows, rows[-1].case_id if more and rows else None)


def _names_and_arrears(
    session: Session, actor: Actor, cases: list[Case]
) -> dict[int, tuple[str, Any]]:
    tenants = {case.id: case.main_tenant for case in cases}
    preload_keys(session, [t for t in tenants.values() if t], "surname", "initials")
    preload_grants(session, actor, cases)
    fields: list[tuple[Case, dict[Any, list[str]]]] = []
    for case in cases:
        wanted: dict[Any, list[str]] = {case: ["arrears_cents"]}
        if (tenant := tenants[case.id]) is not None:
            wanted[tenant] = ["initials", "surname"]
        fields.append((case, wanted))
    shown = reveal_list(session, actor, fields, action="signalling.list")
    result = {}
    for case, values in zip(cases, shown, strict=True):
        tenant = tenants[case.id]
        name = (
            full_name(values.get(tenant, "initials"), values.get(tenant, "surname"))
            if tenant is not None
            else ""
        )
        result[case.id] = (name, values.get(case, "arrears_cents"))
    return result


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
