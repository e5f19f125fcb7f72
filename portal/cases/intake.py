"""Signal intake: a signal opens a case, or updates the household's open case.

Signals arrive from the intake form (one at a time) and from the corporation's monthly
arrears file (``signal_csv`` checks the whole file first; an import is all-or-nothing). Both
go through ``import_signals``: a signal for a tenant who already has an open case at the
organisation (found through the BSN blind index) updates that case — arrears, months, since
when, signal kinds, tenant number and contact details — and adds a ``Signal`` row for the
timeline, instead of opening a duplicate.

Built for 10,000 rows in seconds: every row is checked and its blind-index digests made
once, the existing cases are found with one query per 5,000 BSN digests, data keys and
references are made per batch, and rows are written in chunks through ``portal.bulk``
(COPY on PostgreSQL, multi-row statements on SQLite); the caller commits once at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.bulk import collector_paused, insert_rows, reserve_ids
from portal.cases.hooks import changed_many
from portal.cases.models import (
    ACTIVE_STATUSES,
    CASE_STATUSES,
    SIGNAL_SOURCES,
    BlindIndex,
    Case,
    CaseSignal,
    Person,
    Signal,
)
from portal.cases.service import (
    DEFAULT_CONTACT_DAYS,
    PERSON_FIELDS,
    PersonData,
    _categories,
    _clean,
    _may_act_for,
    check_cents,
    check_kinds,
    check_months,
    check_past_date,
    clean_person,
    contact_due,
    person_digests,
    reserve_references,
)
from portal.cases.signal_csv import DAYS_AHEAD, SignalRow
from portal.crypto.fields import sealed_values
from portal.crypto.service import create_data_keys, preload_data_keys
from portal.db import utcnow
from portal.errors import DomainError, Forbidden

#: Contact details a repeated signal refreshes on the person it matched (empty ones are kept).
CONTACT_FIELDS = ("phone", "email", "street", "house_number", "postcode", "city")
#: Digests per look-up query of existing cases.
LOOKUP_BATCH = 5_000
#: The person's encrypted fields, which a new tenant's row is sealed from.
PERSON_COLUMNS = tuple(Person.__categories__)


@dataclass(frozen=True, repr=False, slots=True)
class SignalInput:
    """One signal about a household, from the form or a line of the arrears file.

    Holds plaintext, so it never prints its values.
    """

    kinds: tuple[str, ...]
    signal_date: date
    tenant: PersonData
    tenant_number: str | None = None
    arrears_cents: int | None = None
    arrears_months: int | None = None
    arrears_since: date | None = None
    #: The line in the import file, for the report.
    line: int | None = None

    def __repr__(self) -> str:
        return f"<SignalInput line={self.line}>"


def signal_from_row(row: SignalRow) -> SignalInput:
    """A line of the arrears file as a signal (the file only carries arrears)."""
    return SignalInput(
        kinds=("arrears",),
        signal_date=row.signal_date,
        tenant=PersonData(
            surname=row.surname,
            initials=row.initials,
            birth_date=row.birth_date,
            bsn=row.bsn,
            phone=row.phone,
            email=row.email,
            street=row.street,
            house_number=row.house_number,
            postcode=row.postcode,
            city=row.city,
            is_main_tenant=True,
        ),
        tenant_number=row.tenant_number,
        arrears_cents=row.arrears_cents,
        arrears_months=row.arrears_months,
        arrears_since=row.arrears_since,
        line=row.line,
    )


def arrears_start(signal_date: date, months: int | None) -> date | None:
    """Since when the arrears run: the first of the month ``months`` months before the
    signal's month (two months on 15 November: since 1 September)."""
    if not months:
        return None
    index = signal_date.year * 12 + signal_date.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one signal did: the case it opened or updated (by id: the objects were
    written in bulk and left the session; load the case again to work with it)."""

    case_id: int
    reference: str
    created: bool
    line: int | None = None


@dataclass(frozen=True)
class Received:
    """A signal from the form: the case (loaded, ready to use) and whether it is new."""

    case: Case
    created: bool


@dataclass
class ImportResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for o in self.outcomes if o.created)

    @property
    def updated(self) -> int:
        return sum(1 for o in self.outcomes if not o.created)

    def report(self) -> list[dict[str, Any]]:
        """Row by row: line, case reference and what happened. No personal data."""
        return [
            {
                "line": o.line,
                "reference": o.reference,
                "case_id": o.case_id,
                "action": "created" if o.created else "updated",
            }
            for o in self.outcomes
        ]


@dataclass(slots=True)
class _Checked:
    signal: SignalInput
    person: dict[str, Any]
    kinds: list[str]
    tenant_number: str | None
    #: The tenant's blind-index digests (index field -> digest, None when empty): made once,
    #: for finding the open case, for a new person's index rows and for spotting changes.
    digests: dict[str, str | None]

    @property
    def bsn_digest(self) -> str | None:
        return self.digests["bsn"]


def _check(session: Session, signal: SignalInput) -> _Checked:
    """Validate one signal like the form does; DomainError names the field."""
    person = clean_person(signal.tenant)
    person["is_main_tenant"] = True
    check_cents(signal.arrears_cents, "arrears_cents")
    check_months(signal.arrears_months)
    check_past_date(signal.arrears_since, "arrears_since")
    check_signal_date(signal.signal_date)
    return _Checked(
        signal=signal,
        person=person,
        kinds=check_kinds(signal.kinds),
        tenant_number=_clean("tenant_number", signal.tenant_number),
        digests=person_digests(session, person),
    )


def check_signal_date(value: date) -> date:
    """A signal may be dated a few days ahead (``signal_csv.DAYS_AHEAD``): a file made
    before the first of the month is dated the first, and at night the UTC date this check
    uses still lags the Dutch date the file was made on."""
    ahead = value - timedelta(days=DAYS_AHEAD) if isinstance(value, date) else value
    check_past_date(ahead, "signal_date")
    return value


def _open_cases_by_bsn(
    session: Session, organisation_id: int, digests: Sequence[str]
) -> dict[str, int]:
    """BSN digest -> id of the person in the organisation's newest open case that has it."""
    found: dict[str, int] = {}
    unique = sorted(set(digests))
    for start in range(0, len(unique), LOOKUP_BATCH):
        rows = session.execute(
            select(BlindIndex.digest, Person.id)
            .join(Person, Person.id == BlindIndex.person_id)
            .join(Case, Case.id == Person.case_id)
            .where(
                BlindIndex.field == "bsn",
                BlindIndex.digest.in_(unique[start : start + LOOKUP_BATCH]),
                Case.organisation_id == organisation_id,
                Case.status.in_(ACTIVE_STATUSES),
            )
            .order_by(Case.id, Person.is_main_tenant)
        )
        for value_digest, person_id in rows:
            found[value_digest] = person_id  # the newest case (and its main tenant) wins
    return found


def import_signals(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    signals: Sequence[SignalInput],
    *,
    contact_days: int = DEFAULT_CONTACT_DAYS,
    source: str = "import",
    import_job_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 500,
) -> ImportResult:
    """Open or update a case per signal, in chunks, never committing (all-or-nothing).

    Every signal is validated first: one bad value raises ``DomainError`` before anything
    is written. New rows go in with ``portal.bulk`` (ids reserved first, so a chunk's cases,
    tenants, indexes, kinds and signals are five statements), known cases get bulk UPDATEs;
    personal values are sealed with ``sealed_values`` and indexed with ``person_digests``:
    the same ciphertexts and digests a flush would write, without a unit of work per object
    (that is what makes 10,000 rows take seconds).

    A signal from the form gets its own audit event (``case.create`` or ``case.signal``);
    an import is one operation and writes one ``signals.import`` event naming every case it
    opened and updated (as id ranges), so 10,000 rows do not mean 10,000 writes to the
    audit chain. Each case's ``Signal`` row names the import job too.
    """
    if not _may_act_for(actor, organisation):
        raise Forbidden()
    if source not in SIGNAL_SOURCES:
        raise ValueError(f"unknown signal source {source!r}")
    writer = _Writer(session, actor, organisation, contact_days, source, import_job_id)
    with collector_paused():  # thousands of rows at a time: see portal.bulk
        result = _import(writer, signals, chunk_size, progress)
    # Derived rows (early signalling's readiness) follow the new figures in this transaction.
    changed_many(session, (o.case_id for o in result.outcomes))
    if source != "form":  # the file or the API: one operation, one event
        record(
            session,
            actor,
            f"signals.{source}",
            categories=_categories(PERSON_FIELDS, with_arrears=True),
            detail={
                "import_job": import_job_id,
                "created": result.created,
                "updated": result.updated,
                "cases_created": id_ranges(o.case_id for o in result.outcomes if o.created),
                "cases_updated": id_ranges(o.case_id for o in result.outcomes if not o.created),
            },
        )
    return result


def _import(
    writer: _Writer,
    signals: Sequence[SignalInput],
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    session, organisation = writer.session, writer.organisation
    checked = []
    for signal in signals:
        try:
            checked.append(_check(session, signal))
        except DomainError as exc:  # which line of the file, for the import's report
            if signal.line is not None:
                exc.params.setdefault("line", signal.line)
            raise
    # One intake at a time per organisation (PostgreSQL row lock; SQLite has one writer):
    # two imports of the same month must not both open a case for the same tenant.
    session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )
    matches = _open_cases_by_bsn(
        session, organisation.id, [c.bsn_digest for c in checked if c.bsn_digest is not None]
    )
    fresh = [c for c in checked if c.bsn_digest not in matches]
    # The references first: that write takes SQLite's write lock, which bulk ids need.
    references = iter(reserve_references(session, utcnow().year, len(fresh)))
    key_ids = iter(create_data_keys(session, len(fresh)))

    result = ImportResult()
    for start in range(0, len(checked), chunk_size):
        chunk = checked[start : start + chunk_size]
        new_items = [c for c in chunk if c.bsn_digest not in matches]
        created = writer.insert([(c, next(key_ids), next(references)) for c in new_items])
        updated = writer.update(
            [(c, matches[c.bsn_digest]) for c in chunk if c.bsn_digest in matches]
        )
        by_item = {id(item): outcome for item, outcome in [*created, *updated]}
        outcomes = [by_item[id(item)] for item in chunk]
        if writer.source == "form":
            for outcome, item in zip(outcomes, chunk, strict=True):
                _audit_signal(session, writer.actor, outcome, item)
        result.outcomes.extend(outcomes)
        if progress is not None:
            progress(len(result.outcomes))
    return result


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as ``[first, last]`` runs: ``[1, 2, 3, 7]`` -> ``[[1, 3], [7, 7]]``."""
    runs: list[list[int]] = []
    for value in sorted(set(ids)):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs


def _arrears(signal: SignalInput) -> dict[str, Any]:
    return {
        "arrears_cents": signal.arrears_cents,
        "arrears_months": signal.arrears_months,
        "arrears_since": signal.arrears_since
        or arrears_start(signal.signal_date, signal.arrears_months),
    }


@dataclass
class _Writer:
    """Writes one chunk of signals: new cases with bulk INSERTs, known ones with UPDATEs."""

    session: Session
    actor: Actor
    organisation: Organisation
    contact_days: int
    source: str
    import_job_id: int | None
    #: ``created_at`` of every row the import writes.
    now: datetime = field(default_factory=utcnow)

    def _signal_row(self, item: _Checked, case_id: int, key_id: int) -> dict[str, Any]:
        uid = uuid.uuid4()
        signal = item.signal
        return {
            "case_id": case_id,
            "organisation_id": self.organisation.id,
            "created_by_id": self.actor.user_id,
            "kinds": item.kinds,
            "signal_date": signal.signal_date,
            "source": self.source,
            "import_job_id": self.import_job_id,
            "created_at": self.now,
            "row_uid": uid,
            **sealed_values(
                self.session,
                Signal,
                key_id,
                uid,
                {
                    "arrears_cents": signal.arrears_cents,
                    "arrears_months": signal.arrears_months,
                },
            ),
        }

    def insert(self, items: list[tuple[_Checked, int, str]]) -> list[tuple[_Checked, Outcome]]:
        """New cases, each with its main tenant, blind indexes, kinds and first signal."""
        if not items:
            return []
        session, now = self.session, self.now
        case_ids = reserve_ids(session, Case, len(items))
        person_ids = reserve_ids(session, Person, len(items))
        case_rows, person_rows, index_rows, link_rows, signal_rows = [], [], [], [], []
        for (item, key_id, reference), case_id, person_id in zip(
            items, case_ids, person_ids, strict=True
        ):
            signal = item.signal
            case_uid, person_uid = uuid.uuid4(), uuid.uuid4()
            values = {**_arrears(signal), "tenant_number": item.tenant_number}
            case_rows.append(
                {
                    "id": case_id,
                    "reference": reference,
                    "organisation_id": self.organisation.id,
                    "status": CASE_STATUSES[0],
                    "signal_kinds": item.kinds,
                    "data_key_id": key_id,
                    "signal_date": signal.signal_date,
                    "contact_due_on": contact_due(signal.signal_date, self.contact_days),
                    "created_at": now,
                    "closed_at": None,
                    "row_uid": case_uid,
                    **sealed_values(session, Case, key_id, case_uid, values),
                }
            )
            personal = {name: item.person[name] for name in PERSON_COLUMNS}
            person_rows.append(
                {
                    "id": person_id,
                    "case_id": case_id,
                    "is_main_tenant": True,
                    "created_at": now,
                    "row_uid": person_uid,
                    **sealed_values(session, Person, key_id, person_uid, personal),
                }
            )
            index_rows += [
                {"person_id": person_id, "field": index_field, "digest": value}
                for index_field, value in item.digests.items()
                if value is not None
            ]
            link_rows += [{"case_id": case_id, "kind": kind} for kind in item.kinds]
            signal_rows.append(self._signal_row(item, case_id, key_id))
        insert_rows(session, Case, case_rows)
        insert_rows(session, Person, person_rows)
        insert_rows(session, BlindIndex, index_rows)
        insert_rows(session, CaseSignal, link_rows)
        insert_rows(session, Signal, signal_rows)
        return [
            (item, Outcome(case_id, reference, True, item.signal.line))
            for (item, _key, reference), case_id in zip(items, case_ids, strict=True)
        ]

    def update(self, items: list[tuple[_Checked, int]]) -> list[tuple[_Checked, Outcome]]:
        """A repeated signal: newest arrears, more signal kinds, fresher contact details.

        A contact detail is rewritten only when its blind index shows it changed (an empty
        one in the file keeps what is known), so a monthly file re-encrypts little.
        """
        if not items:
            return []
        session = self.session
        person_ids = sorted({person_id for _item, person_id in items})
        cases = {
            row.person_id: row
            for row in session.execute(
                select(
                    Person.id.label("person_id"),
                    Case.id,
                    Case.reference,
                    Case.row_uid,
                    Case.data_key_id,
                    Case.signal_kinds,
                    Case.signal_date,
                )
                .join(Case, Case.id == Person.case_id)
                .where(Person.id.in_(person_ids))
            )
        }
        known: dict[int, dict[str, str]] = {}
        for person_id, index_field, value in session.execute(
            select(BlindIndex.person_id, BlindIndex.field, BlindIndex.digest).where(
                BlindIndex.person_id.in_(person_ids)
            )
        ):
            known.setdefault(person_id, {})[index_field] = value
        preload_data_keys(session, {row.data_key_id for row in cases.values()})

        kinds_now: dict[int, list[str]] = {}
        updates: dict[frozenset[str], list[dict[str, Any]]] = {}
        link_rows, signal_rows, moved = [], [], {}
        outcomes = []
        for item, person_id in items:
            row = cases[person_id]
            values = {k: v for k, v in _arrears(item.signal).items() if v is not None}
            if item.tenant_number:
                values["tenant_number"] = item.tenant_number
            change: dict[str, Any] = {
                "id": row.id,
                **sealed_values(session, Case, row.data_key_id, row.row_uid, values),
            }
            before = kinds_now.get(row.id, list(row.signal_kinds))
            kinds = list(dict.fromkeys([*before, *item.kinds]))
            if kinds != before:
                change["signal_kinds"] = kinds
                link_rows += [{"case_id": row.id, "kind": k} for k in kinds if k not in before]
            kinds_now[row.id] = kinds
            if row.signal_date is None:
                change["signal_date"] = item.signal.signal_date
            updates.setdefault(frozenset(change), []).append(change)
            changed = _changed_contact(item, known.get(person_id, {}))
            if changed:
                moved[person_id] = changed
            signal_rows.append(self._signal_row(item, row.id, row.data_key_id))
            outcomes.append((item, Outcome(row.id, row.reference, False, item.signal.line)))
        for rows in updates.values():
            session.execute(update(Case), rows)
        insert_rows(session, CaseSignal, link_rows)
        insert_rows(session, Signal, signal_rows)
        if moved:
            self._move(moved)
        return outcomes

    def _move(self, moved: dict[int, dict[str, Any]]) -> None:
        """Changed contact details (few per month) go through the ORM: sealed at flush, their
        blind indexes kept in step; then the objects leave the session again."""
        session = self.session
        persons = session.scalars(
            select(Person)
            .where(Person.id.in_(moved))
            .options(selectinload(Person.blind_indexes), selectinload(Person.case))
        ).all()
        for person in persons:
            for name, value in moved[person.id].items():
                setattr(person, name, value)
        session.flush()
        for person in persons:
            session.expunge(person.case)
            for entry in person.blind_indexes:
                session.expunge(entry)
            session.expunge(person)


def _changed_contact(item: _Checked, known: dict[str, str]) -> dict[str, Any]:
    """The contact fields whose blind index differs from what is stored."""
    changed: dict[str, Any] = {}
    for index_field, sources in Person.__blind_indexes__.items():
        value = item.digests[index_field]
        if index_field == "bsn" or value is None or value == known.get(index_field):
            continue
        names = sources + (("street", "city") if index_field == "address" else ())
        changed.update({n: item.person[n] for n in names if item.person[n] is not None})
    return changed


def _audit_signal(session: Session, actor: Actor, outcome: Outcome, item: _Checked) -> None:
    detail: dict[str, Any] = {"signals": item.kinds, "source": "form"}
    if outcome.created:
        record(
            session,
            actor,
            "case.create",
            case_id=outcome.case_id,
            categories=_categories(PERSON_FIELDS, with_arrears=True),
            detail={"persons": 1, **detail},
        )
        return
    changed = [n for n in CONTACT_FIELDS if item.person[n] is not None]
    record(
        session,
        actor,
        "case.signal",
        case_id=outcome.case_id,
        categories=_categories([*changed, "tenant_number"], with_arrears=True),
        detail=detail,
    )


def receive_signal(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    signal: SignalInput,
    *,
    contact_days: int = DEFAULT_CONTACT_DAYS,
) -> Received:
    """One signal from the intake form: a new case, or the household's open case updated."""
    result = import_signals(
        session, actor, organisation, [signal], contact_days=contact_days, source="form"
    )
    outcome = result.outcomes[0]
    case = session.get(Case, outcome.case_id)
    if case is None:  # pragma: no cover - written in this transaction
        raise LookupError("the case just written is gone")
    return Received(case, outcome.created)
