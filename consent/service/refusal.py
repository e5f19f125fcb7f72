"""The tenant's no: which categories she declined or withdrew for a recipient.

A professional must not ask again as if nothing happened, so asking reads this first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import ConsentEvent, ConsentRecord, ConsentRequest
from portal.cases.models import Case


@dataclass(frozen=True)
class Refusal:
    """The tenant's last word on a category for a recipient was no: she declined it when
    asked ("declined") or withdrew it later ("withdrawn"), at ``at``."""

    kind: str
    at: datetime


def refusals(
    session: Session, case: Case, purpose: str, role: str, organisation_id: int | None
) -> dict[str, Refusal]:
    """Per category, the tenant's refusal for this recipient and purpose, if her last answer
    was no.

    A professional must not ask again as if nothing happened: asking again needs a reason
    (``request_consent``), and the one-click request skips these categories (``ask_missing``).
    Read from what the portal already holds: records given (yes), withdrawal events (no),
    and answered requests whose items a record does not cover (declined). A record or
    request naming no organisation counts for every organisation in its role. The latest
    answer per category wins, so consent given again clears an earlier refusal; an expiry
    is not a refusal.
    """

    def concerns(item_role: str, item_org: int | None) -> bool:
        return item_role == role and (item_org is None or item_org == organisation_id)

    timeline: dict[str, list[tuple[datetime, int, str]]] = {}

    def note(category: str, at: datetime | None, kind: str) -> None:
        if at is not None:
            order = {"given": 0, "declined": 1, "withdrawn": 2}[kind]
            timeline.setdefault(category, []).append((at, order, kind))

    records = list(
        session.scalars(
            select(ConsentRecord).where(
                ConsentRecord.case_id == case.id, ConsentRecord.purpose == purpose
            )
        )
    )
    covered: dict[int, set[tuple[str, int | None, str]]] = {}
    mine: list[int] = []
    for r in records:
        if r.request_id is not None:
            covered.setdefault(r.request_id, set()).update(
                (r.recipient_role, r.recipient_organisation_id, c) for c in r.categories
            )
        if not concerns(r.recipient_role, r.recipient_organisation_id):
            continue
        for c in r.categories:
            note(c, r.given_at, "given")
        mine.append(r.id)
    if mine:  # queried afresh: a withdrawal in this session counts at once
        for e in session.scalars(
            select(ConsentEvent).where(
                ConsentEvent.record_id.in_(mine), ConsentEvent.kind == "withdrawn"
            )
        ):
            for c in e.categories:
                note(c, e.occurred_at, "withdrawn")
    answered = session.scalars(
        select(ConsentRequest).where(
            ConsentRequest.case_id == case.id,
            ConsentRequest.purpose == purpose,
            ConsentRequest.status == "answered",
        )
    )
    for req in answered:
        got = covered.get(req.id, set())
        for item in req.items:
            org = item.get("organisation_id")
            if not concerns(item["role"], org):
                continue
            for c in item["categories"]:
                if (item["role"], org, c) not in got:
                    note(c, req.answered_at, "declined")
    found = {}
    for category, answers in timeline.items():
        at, _order, kind = max(answers)
        if kind != "given":
            found[category] = Refusal(kind, at)
    return found


def refused_in(
    session: Session, case: Case, purpose: str, items: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The categories of ``items`` the tenant refused for that recipient, in item order."""
    found: list[str] = []
    for item in items:
        refused = refusals(session, case, purpose, item["role"], item.get("organisation_id"))
        found += [c for c in item["categories"] if c in refused and c not in found]
    return found
