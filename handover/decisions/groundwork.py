"""The prevention record's groundwork: the contact attempts per channel and the payment
arrangements the partners recorded on the case, so the corporation motivates a decision
without typing them again.

Like the early-signalling readiness (``handover.signalling.service.readiness``), the facts are
derived from the encrypted groundwork here and nobody is shown a field: what leaves is a
channel or status code, counts, dates and the name of the organisation that recorded it. The
page shows them only to a viewer the policy point allows the provider's category, in the
page's one audit event (``reveal(..., also_shown=...)``); a confirmation keeps them as its
snapshot under the seal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.decisions.prevention import Evidence, Provider
from portal.accounts.models import Organisation
from portal.cases.models import Agreement, Case, ContactAttempt
from portal.covenant.rules import Covenant
from portal.crypto.fields import ERASED, decrypt_field, preload_keys

if TYPE_CHECKING:
    from handover.decisions.models import Decision


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return dict(rows.tuples().all())


def _read(session: Session, row: Any, *fields: str) -> list[Any] | None:
    """The row's values, or ``None`` when retention erased them (nothing left to tell)."""
    values = [decrypt_field(row, name, session=session) for name in fields]
    return None if any(v is ERASED for v in values) else values


def contact_attempts(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> list[Evidence]:
    """Per channel: how many attempts, how many reached the tenant, the first and the last
    day, and who made them."""
    rows = list(
        session.scalars(
            select(ContactAttempt)
            .where(ContactAttempt.case_id == case.id)
            .order_by(ContactAttempt.id)
        )
    )
    preload_keys(session, rows, "attempted_on", "channel", "outcome")
    names = _names(session, {r.organisation_id for r in rows if r.organisation_id})
    per_channel: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = _read(session, row, "attempted_on", "channel", "outcome")
        if values is None or values[0] is None or values[1] is None:
            continue
        day, channel, outcome = values
        entry = per_channel.setdefault(
            channel,
            {"channel": channel, "attempts": 0, "reached": 0, "first_on": day, "last_on": day,
             "by": set()},
        )  # fmt: skip
        entry["attempts"] += 1
        entry["reached"] += outcome == "reached"
        entry["first_on"] = min(entry["first_on"], day)
        entry["last_on"] = max(entry["last_on"], day)
        if row.organisation_id in names:
            entry["by"].add(names[row.organisation_id])
    return [
        Evidence(
            "contact_attempts",
            "contact_attempts",
            {
                **entry,
                "first_on": entry["first_on"].isoformat(),
                "last_on": entry["last_on"].isoformat(),
                "by": sorted(entry["by"]),
            },
        )
        for entry in sorted(per_channel.values(), key=lambda e: e["first_on"])
    ]


def payment_arrangements(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> list[Evidence]:
    """Each payment arrangement: from when, how it went (proposed, active, kept, broken), who
    recorded it and when that was last brought up to date."""
    rows = list(
        session.scalars(
            select(Agreement).where(Agreement.case_id == case.id).order_by(Agreement.id)
        )
    )
    preload_keys(session, rows, "starts_on", "status")
    names = _names(session, {r.organisation_id for r in rows if r.organisation_id})
    found = []
    for row in rows:
        values = _read(session, row, "starts_on", "status")
        if values is None:
            continue
        starts_on, status = values
        found.append(
            Evidence(
                "payment_arrangements",
                "payment_arrangement",
                {
                    "status": status,
                    "starts_on": starts_on.isoformat() if starts_on else None,
                    "by": names.get(row.organisation_id or 0),
                    "updated_on": row.updated_at.date().isoformat() if row.updated_at else None,
                },
            )
        )
    return found


PROVIDERS = (
    Provider("contact_attempts", ContactAttempt.__category__, contact_attempts),
    Provider("payment_arrangements", Agreement.__category__, payment_arrangements),
)
