"""The readiness row per case (``signal_readiness``): kept current by the services, so the
ready-to-report list pages through an index and never derives steps per row at page time.

``refresh`` recomputes the rows of some cases (after a signal, a contact attempt, a letter,
an objection or a report: the kernel tells us through ``portal.cases.hooks``);
``refresh_all`` rebuilds an organisation's or everyone's (``flask signalling refresh``: after a
covenant change, and daily, since days overdue grow without anything being recorded).

A row exists for an open or in-progress case with an arrears signal while the covenant
arranges early signalling; other cases have none. The facts are decrypted only to derive a
state and a bitmask (``steps.derived_facts``); nothing personal leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handover.signalling.models import SignalReadiness
from handover.signalling.service.steps import Facts, derive, load
from portal.cases.models import ACTIVE_STATUSES, Case, CaseSignal
from portal.covenant.rules import Signalling, active_covenant, active_version
from portal.crypto.fields import decrypt_field
from portal.db import utcnow
from portal.workdays import local_today

BATCH = 500


def _rules(session: Session) -> Signalling | None:
    if active_version(session) is None:
        return None
    return active_covenant(session).signalling


def _eligible(case: Case) -> bool:
    return case.status in ACTIVE_STATUSES and "arrears" in (case.signal_kinds or [])


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or replace rows in one statement (two writers on one case: last one wins,
    never a duplicate-key error)."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt: Any = dialect.insert(SignalReadiness).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SignalReadiness.case_id],
        set_={
            "organisation_id": stmt.excluded.organisation_id,
            "state": stmt.excluded.state,
            "missing": stmt.excluded.missing,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    session.execute(stmt)


class _Decrypted:
    """Values read straight from the ciphertexts, for a derivation nobody is shown."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, obj: Any, name: str) -> Any:
        return decrypt_field(obj, name, session=self.session)


def derived_facts(session: Session, cases: Sequence[Case]) -> dict[int, Facts]:
    """The facts of many cases for the readiness rows: a state and a bitmask leave the
    function, no personal value, and nobody is shown anything, so (like the blind index and
    the minor flag) this reads the ciphertexts directly and writes no audit event; every
    page that shows the steps goes through ``facts_for`` (the policy point)."""
    if not cases:
        return {}
    loaded = load(session, cases)
    values = _Decrypted(session)
    return {case.id: loaded.facts(case, values) for case in cases}


def _refresh_batch(session: Session, cases: Sequence[Case], rules: Signalling, today: date) -> int:
    eligible = [c for c in cases if _eligible(c)]
    gone = [c.id for c in cases if not _eligible(c)]
    if gone:
        session.execute(delete(SignalReadiness).where(SignalReadiness.case_id.in_(gone)))
    facts = derived_facts(session, eligible)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for case in eligible:
        steps = derive(facts[case.id], rules, today)
        rows.append(
            {
                "case_id": case.id,
                "organisation_id": case.organisation_id,
                "state": steps.state,
                "missing": steps.mask,
                "updated_at": now,
            }
        )
    _upsert(session, rows)
    return len(rows)


def refresh(session: Session, case_ids: Iterable[int], *, today: date | None = None) -> int:
    """Recompute the readiness rows of these cases; answers how many rows exist for them."""
    ids = sorted(set(case_ids))
    rules = _rules(session) if ids else None
    if rules is None:
        return 0
    session.flush()
    today = today or local_today()
    kept = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Fresh from the database: an import changes cases with bulk UPDATEs, past the
        # objects a session may hold (flushed above, so nothing pending is overwritten).
        cases = list(
            session.scalars(
                select(Case)
                .where(Case.id.in_(chunk))
                .order_by(Case.id)
                .execution_options(populate_existing=True)
            )
        )
        kept += _refresh_batch(session, cases, rules, today)
    return kept


def refresh_all(
    session: Session,
    *,
    organisation_id: int | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    commit: bool = False,
) -> int:
    """Rebuild the rows of every case (of one organisation): rows of cases that no longer
    qualify go, the rest are recomputed, batch by batch in case-id order. With ``commit``
    (the CLI) each batch is committed, so a million cases never sit in one transaction."""
    rules = _rules(session)
    stale = delete(SignalReadiness)
    if organisation_id is not None:
        stale = stale.where(SignalReadiness.organisation_id == organisation_id)
    if rules is None:
        session.execute(stale)
        return 0
    today = today or local_today()
    query = (
        select(Case.id)
        .join(CaseSignal, (CaseSignal.case_id == Case.id) & (CaseSignal.kind == "arrears"))
        .order_by(Case.id)
    )
    if organisation_id is not None:
        query = query.where(Case.organisation_id == organisation_id)
    session.execute(
        stale.where(
            SignalReadiness.case_id.not_in(
                query.order_by(None).where(Case.status.in_(ACTIVE_STATUSES))
            )
        )
    )
    after, kept = 0, 0
    while True:
        chunk = list(session.scalars(query.where(Case.id > after).limit(BATCH)))
        if not chunk:
            break
        cases = list(session.scalars(select(Case).where(Case.id.in_(chunk)).order_by(Case.id)))
        kept += _refresh_batch(session, cases, rules, today)
        after = chunk[-1]
        if commit:
            session.commit()
        if progress is not None:
            progress(len(chunk))
    return kept


def on_case_changed(session: Session, case_ids: list[int]) -> None:
    """The kernel's hook (``portal.cases.hooks``): a signal, an attempt, a letter, a change
    of the case file."""
    refresh(session, case_ids)
