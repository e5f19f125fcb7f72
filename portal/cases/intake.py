"""Signal intake: a signal opens a case, or updates the household's open case.

Signals arrive from the intake form (one at a time) and from the corporation's monthly
arrears file (``signal_csv`` checks the whole file first; an import is all-or-nothing). Both
go through ``import_signals``: a signal for a tenant who already has an open case at the
organisation (found through the BSN blind index) updates that case — arrears, months, since
when, signal kinds, tenant number and contact details — and adds a ``Signal`` row for the
timeline, instead of opening a duplicate.

Built for 10,000 rows in seconds: the existing cases are found with one query per 5,000
BSN digests, data keys and references are made per batch, rows are flushed in chunks and
the caller commits once at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import (
    ACTIVE_STATUSES,
    SIGNAL_SOURCES,
    BlindIndex,
    Case,
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
    new_case,
    reserve_references,
)
from portal.cases.signal_csv import SignalRow
from portal.crypto import blind_index
from portal.crypto.context import crypto_for
from portal.crypto.fields import seal_pending
from portal.crypto.service import create_data_keys
from portal.db import utcnow
from portal.errors import Forbidden

#: Contact details a repeated signal refreshes on the person it matched (empty ones are kept).
CONTACT_FIELDS = ("phone", "email", "street", "house_number", "postcode", "city")
#: Digests per look-up query of existing cases.
LOOKUP_BATCH = 5_000


@dataclass(frozen=True, repr=False)
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
        line=row.line,
    )


def arrears_start(signal_date: date, months: int | None) -> date | None:
    """Since when the arrears run: the first of the month ``months`` months before the
    signal's month (two months on 15 November: since 1 September)."""
    if not months:
        return None
    index = signal_date.year * 12 + signal_date.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
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


@dataclass
class _Checked:
    signal: SignalInput
    person: dict[str, Any]
    kinds: list[str]
    tenant_number: str | None
    digest: str | None


def _check(signal: SignalInput) -> _Checked:
    """Validate one signal like the form does; DomainError names the field."""
    person = clean_person(signal.tenant)
    person["is_main_tenant"] = True
    check_cents(signal.arrears_cents, "arrears_cents")
    check_months(signal.arrears_months)
    check_past_date(signal.arrears_since, "arrears_since")
    check_past_date(signal.signal_date, "signal_date")
    return _Checked(
        signal=signal,
        person=person,
        kinds=check_kinds(signal.kinds),
        tenant_number=_clean("tenant_number", signal.tenant_number),
        digest=None,
    )


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


def _load_persons(session: Session, person_ids: Sequence[int]) -> dict[int, Person]:
    """The matched people with their case, blind indexes and signal kinds, in few queries."""
    persons: dict[int, Person] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 500):
        for person in session.scalars(
            select(Person)
            .where(Person.id.in_(ids[start : start + 500]))
            .options(
                selectinload(Person.blind_indexes),
                selectinload(Person.case).selectinload(Case.signal_links),
            )
        ):
            persons[person.id] = person
    return persons


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
    """Open or update a case per signal; flush in chunks, never commit (all-or-nothing).

    Every signal is validated first: one bad value raises ``DomainError`` before anything
    is written. A signal from the form gets its own audit event (``case.create`` or
    ``case.signal``); an import is one operation and writes one ``signals.import`` event
    naming every case it opened and updated (as id ranges), so 10,000 rows do not mean
    10,000 writes to the audit chain. Each case's ``Signal`` row names the import job too.
    """
    if not _may_act_for(actor, organisation):
        raise Forbidden()
    checked = [_check(signal) for signal in signals]
    state = crypto_for(session)
    for item in checked:
        if item.person["bsn"]:
            item.digest = blind_index.digest(state, "bsn", item.person["bsn"])
    matches = _open_cases_by_bsn(
        session, organisation.id, [c.digest for c in checked if c.digest is not None]
    )

    new_items = [c for c in checked if c.digest not in matches]
    key_ids = iter(create_data_keys(session, len(new_items)))
    references = iter(reserve_references(session, utcnow().year, len(new_items)))
    if source not in SIGNAL_SOURCES:
        raise ValueError(f"unknown signal source {source!r}")

    result = ImportResult()
    done = 0
    for start in range(0, len(checked), chunk_size):
        chunk = checked[start : start + chunk_size]
        persons = _load_persons(session, [matches[c.digest] for c in chunk if c.digest in matches])
        fresh: list[tuple[Case, Signal]] = []
        added: list[Signal] = []
        outcomes = []
        for item in chunk:
            signal = item.signal
            since = signal.arrears_since or arrears_start(signal.signal_date, signal.arrears_months)
            arrears = {
                "arrears_cents": signal.arrears_cents,
                "arrears_months": signal.arrears_months,
                "arrears_since": since,
            }
            person = persons.get(matches[item.digest]) if item.digest in matches else None
            if person is None:
                case = new_case(
                    reference=next(references),
                    organisation_id=organisation.id,
                    data_key_id=next(key_ids),
                    kinds=item.kinds,
                    people=[item.person],
                    signal_date=signal.signal_date,
                    contact_days=contact_days,
                    tenant_number=item.tenant_number,
                    **arrears,
                )
            else:
                case = person.case
                _refresh(session, case, person, item, arrears)
            row = Signal(
                case=case,
                organisation_id=organisation.id,
                created_by_id=actor.user_id,
                kinds=item.kinds,
                signal_date=signal.signal_date,
                source=source,
                import_job_id=import_job_id,
                arrears_cents=signal.arrears_cents,
                arrears_months=signal.arrears_months,
            )
            if person is None:
                fresh.append((case, row))
            else:
                session.add(row)
                added.append(row)
            outcomes.append((case, person is None, signal.line))
        session.flush()
        _insert_new_cases(session, fresh)
        done_chunk = [Outcome(c.id, c.reference, created, line) for c, created, line in outcomes]
        # Written rows leave the session (they stay in the transaction): its identity map,
        # which every flush and audit write walks, stays small.
        touched: list[Any] = [*added]
        for person in persons.values():
            touched += [person, person.case, *person.blind_indexes, *person.case.signal_links]
        for obj in touched:
            if obj in session:
                session.expunge(obj)
        if source == "form":
            for outcome, item in zip(done_chunk, chunk, strict=True):
                _audit_signal(session, actor, outcome, item)
        result.outcomes.extend(done_chunk)
        done += len(chunk)
        if progress is not None:
            progress(done)
    if source == "import":
        record(
            session,
            actor,
            "signals.import",
            categories=_categories(PERSON_FIELDS, with_finances=True),
            detail={
                "import_job": import_job_id,
                "created": result.created,
                "updated": result.updated,
                "cases_created": id_ranges(o.case_id for o in result.outcomes if o.created),
                "cases_updated": id_ranges(o.case_id for o in result.outcomes if not o.created),
            },
        )
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


def _insert_new_cases(session: Session, fresh: list[tuple[Case, Signal]]) -> None:
    """Store new cases, their tenant, blind indexes, kinds and signal with bulk INSERTs.

    The objects never join the session's unit of work (that is what makes 10,000 rows
    fast), so they are sealed here with the same function the flush uses: plaintext still
    cannot reach the database, the column type refuses it.
    """
    if not fresh:
        return
    cases = [case for case, _signal in fresh]
    persons = [person for case in cases for person in case.persons]
    for obj in [*cases, *persons, *(signal for _case, signal in fresh)]:
        seal_pending(session, obj)
    session.bulk_save_objects(cases, return_defaults=True)
    for person in persons:
        person.case_id = person.case.id
    session.bulk_save_objects(persons, return_defaults=True)
    for person in persons:
        for entry in person.blind_indexes:
            entry.person_id = person.id
    links = [link for case in cases for link in case.signal_links]
    for case in cases:
        for link in case.signal_links:
            link.case_id = case.id
    signals = [signal for _case, signal in fresh]
    for case, signal in fresh:
        signal.case_id = case.id
    session.bulk_save_objects([e for p in persons for e in p.blind_indexes])
    session.bulk_save_objects(links)
    session.bulk_save_objects(signals)


def _refresh(
    session: Session, case: Case, person: Person, item: _Checked, arrears: dict[str, Any]
) -> None:
    """A repeated signal: newest arrears, more signal kinds, fresher contact details.

    A contact detail is rewritten only when its blind index shows it changed (an empty one
    in the file keeps what is known), so a monthly file re-encrypts little.
    """
    for name, value in arrears.items():
        if value is not None:
            setattr(case, name, value)
    if item.tenant_number:
        case.tenant_number = item.tenant_number
    kinds = list(dict.fromkeys([*case.signal_kinds, *item.kinds]))
    if kinds != case.signal_kinds:
        case.set_signal_kinds(kinds)
    if case.signal_date is None:
        case.signal_date = item.signal.signal_date
    known = {entry.field: entry.digest for entry in person.blind_indexes}
    state = crypto_for(session)
    for index_field, sources in Person.__blind_indexes__.items():
        values = [item.person[name] for name in sources]
        if index_field == "bsn" or any(v is None for v in values):
            continue
        if blind_index.digest(state, index_field, blind_index.normalise(index_field, *values)) == (
            known.get(index_field)
        ):
            continue
        for name in sources:
            setattr(person, name, item.person[name])
        if index_field == "address":
            for name in ("street", "city"):
                if item.person[name] is not None:
                    setattr(person, name, item.person[name])


def _audit_signal(session: Session, actor: Actor, outcome: Outcome, item: _Checked) -> None:
    detail: dict[str, Any] = {"signals": item.kinds, "source": "form"}
    if outcome.created:
        record(
            session,
            actor,
            "case.create",
            case_id=outcome.case_id,
            categories=_categories(PERSON_FIELDS, with_finances=True),
            detail={"persons": 1, **detail},
        )
        return
    changed = [n for n in CONTACT_FIELDS if item.person[n] is not None]
    record(
        session,
        actor,
        "case.signal",
        case_id=outcome.case_id,
        categories=_categories([*changed, "tenant_number"], with_finances=True),
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
