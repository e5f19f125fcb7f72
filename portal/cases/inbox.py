"""The professional's inbox: my organisation's cases and the cases referred to it.

Fast at a million cases, without OFFSET and without counting every row:

* keyset pagination on the case id (newest first): a page is "the 25 ids below the last
  one shown", which an index answers by reading 26 entries;
* the visibility rule ``owner OR granted`` is split into one seek per source of
  visibility, each walking its own index in id order with a LIMIT: the owned cases per status
  on ``ix_case_file_inbox`` (organisation, status, id), the cases shared with the
  organisation on ``ix_case_grant_organisation`` (organisation, case id; each probing its
  case for the status). The database merges the small results and reads the page's cases in
  the same statement. An OR across sources would make the database scan or sort the whole
  organisation's cases;
* the signal-kind filter probes ``case_signal``'s primary key; the overdue filter walks the
  partial index ``ix_case_file_awaiting`` of the cases still waiting for a first contact
  (plain ``contact_due_on``): neither needs any decryption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select, union
from sqlalchemy.orm import Session, joinedload

from portal.actor import Actor
from portal.cases.models import (
    ACTIVE_STATUSES,
    CASE_STATUSES,
    SIGNAL_KINDS,
    Case,
    CaseGrant,
    CaseSignal,
)
from portal.cases.policy import visible_cases

PAGE_SIZE = 25
#: The status filter's choices: the active ones (default), each status, or all.
STATUS_FILTERS = ("active", *CASE_STATUSES, "all")


@dataclass(frozen=True)
class InboxFilters:
    status: str = "active"
    kind: str | None = None
    overdue: bool = False

    @classmethod
    def parse(cls, status: str | None, kind: str | None, overdue: str | None) -> InboxFilters:
        """From query-string values; anything unknown falls back to the default."""
        return cls(
            status=status if status in STATUS_FILTERS else "active",
            kind=kind if kind in SIGNAL_KINDS else None,
            overdue=overdue in ("1", "on", "true", "ja"),
        )

    def statuses(self) -> tuple[str, ...]:
        """The statuses to list; "overdue" only ever concerns cases still open."""
        chosen = {"active": ACTIVE_STATUSES, "all": CASE_STATUSES}.get(self.status, (self.status,))
        if self.overdue:
            chosen = tuple(s for s in chosen if s in ACTIVE_STATUSES)
        return chosen

    def query_args(self) -> dict[str, str]:
        """The filters as query-string values (never personal data)."""
        args = {"status": self.status}
        if self.kind:
            args["signaal"] = self.kind
        if self.overdue:
            args["achterstallig"] = "1"
        return args


@dataclass
class InboxPage:
    cases: list[Case]
    #: Cursor for the next (older) page, or None on the last page.
    next_after: int | None
    #: Cursor for the previous (newer) page, or None on the first page.
    prev_before: int | None


def _seeks(actor: Actor, statuses: tuple[str, ...]) -> list[tuple[Select[Any], Any]]:
    """Each reason a case may be visible to the actor, as a query of case ids with the id
    column its index walks in order."""
    if actor.kind == "staff" and actor.organisation_id is not None:
        owned = [
            (
                select(Case.id).where(
                    Case.organisation_id == actor.organisation_id, Case.status == status
                ),
                Case.id,
            )
            for status in statuses
        ]
        from portal.grants import in_force  # the grants build on this package

        # DISTINCT: one case may be granted more than once (a referral and a decision).
        shared = (
            select(CaseGrant.case_id)
            .distinct()
            .join(Case, Case.id == CaseGrant.case_id)
            .where(
                CaseGrant.organisation_id == actor.organisation_id,
                Case.status.in_(statuses),
                in_force(),
            )
        )
        return [*owned, (shared, CaseGrant.case_id)]
    return [
        (select(Case.id).where(visible_cases(actor), Case.status == status), Case.id)
        for status in statuses
    ]


def inbox_page(
    session: Session,
    actor: Actor,
    filters: InboxFilters,
    *,
    today: date,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """One page of the actor's inbox, newest first; ``after``/``before`` are case ids."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kind:
        conditions.append(
            exists().where(CaseSignal.case_id == Case.id, CaseSignal.kind == filters.kind)
        )
    if filters.overdue:
        # Spelled out, so the planner picks the partial index of cases awaiting contact.
        conditions += [Case.contact_due_on.is_not(None), Case.contact_due_on < today]
    backwards = before is not None and after is None

    order = Case.id.asc() if backwards else Case.id.desc()

    def seek(query: Select[Any], id_column: Any) -> Select[Any]:
        """The query's page: the order on the id its index walks, and the bound on that id
        and on the case's own (PostgreSQL carries no range across a join's equality: a merge
        join would walk the case table from its newest row down to the bound)."""
        bounded = [id_column] if id_column is Case.id else [id_column, Case.id]
        if backwards:
            query = query.where(*(c > before for c in bounded)).order_by(id_column.asc())
        else:
            if after is not None:
                query = query.where(*(c < after for c in bounded))
            query = query.order_by(id_column.desc())
        page = query.where(*conditions).limit(limit + 1).subquery()
        return select(page.c[0].label("id"))

    # One page per source of visibility (and status); their union (without duplicates: a
    # case may be visible for two reasons) cut to one page and one more, and the cases of
    # those ids with their organisations and households, all in one statement (on PostgreSQL
    # every statement is a round trip).
    visible = union(
        *(seek(query, column) for query, column in _seeks(actor, filters.statuses()))
    ).subquery()
    page_ids = select(visible.c.id).order_by(
        visible.c.id.asc() if backwards else visible.c.id.desc()
    )
    found = list(
        session.scalars(
            select(Case)
            .where(Case.id.in_(page_ids.limit(limit + 1).scalar_subquery()))
            .order_by(order)
            .options(joinedload(Case.organisation), joinedload(Case.persons))
        ).unique()
    )
    more = len(found) > limit
    page = found[:limit]
    if backwards:
        page.reverse()
    if not page:
        return InboxPage([], None, None)
    if backwards:
        return InboxPage(page, next_after=page[-1].id, prev_before=page[0].id if more else None)
    has_newer = after is not None
    return InboxPage(
        page,
        next_after=page[-1].id if more else None,
        prev_before=page[0].id if has_newer else None,
    )
