"""Case operations: open a case with its household, change the case file and the household,
find cases, tell who else knows the household, shred.

Every personal value is normalised and validated here, then assigned in the clear to an
encrypted column; the flush seals it under the case's data key and refreshes the blind
indexes. Look-ups go through the blind index and decrypt only the candidates they find.
Signal intake (form and import) lives in ``intake.py``, groundwork in ``groundwork.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import numbers
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.hooks import changed
from portal.cases.models import (
    ACTIVE_STATUSES,
    CASE_STATUSES,
    RELATIONS,
    SIGNAL_KINDS,
    BlindIndex,
    Case,
    CaseReferenceCounter,
    Person,
)
from portal.cases.policy import visible_cases
from portal.crypto import blind_index
from portal.crypto.context import crypto_for
from portal.crypto.fields import Erased, decrypt_field
from portal.crypto.service import create_data_key, destroy_data_key
from portal.db import changed_rows, utcnow
from portal.errors import DomainError, Forbidden
from portal.workdays import local_today

#: Which data category each personal attribute belongs to (for the audit log and, later,
#: the sharing policy).
CATEGORIES = {
    **Person.__categories__,
    **Case.__categories__,
    "is_main_tenant": "household",
}

_INVALID = {
    "bsn": _l("Dit BSN klopt niet. Controleer de negen cijfers."),
    "postcode": _l("Deze postcode klopt niet. Schrijf hem als 1234 AB."),
    "house_number": _l("Dit huisnummer klopt niet."),
    "email": _l("Dit e-mailadres klopt niet."),
    "phone": _l("Dit telefoonnummer klopt niet."),
    "birth_date": _l("Deze geboortedatum klopt niet."),
    "relation": _l("Kies wie dit is in het huishouden."),
}

#: Why a change to a case erased by retention is refused.
ERASED_MESSAGE = _l("Deze casus is gewist na de bewaartermijn. U kunt niets meer wijzigen.")

#: Days from the signal to the first contact attempt, unless configured otherwise
#: (``CASE_CONTACT_DAYS``); a case still without an attempt after that is overdue.
DEFAULT_CONTACT_DAYS = 14
#: Longest free text (names, streets, notes) the case file accepts.
TEXT_MAX = 200


@dataclass(frozen=True, repr=False, slots=True)
class PersonData:
    """One household member as entered or imported; validated by the service.

    Holds plaintext, so it never prints its values (logs, tracebacks, test output).
    """

    surname: str
    initials: str | None = None
    birth_date: date | None = None
    bsn: str | None = None
    phone: str | None = None
    email: str | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    relation: str | None = None
    is_main_tenant: bool = False
    minor: bool = False

    def __repr__(self) -> str:
        return "<PersonData>"


PERSON_FIELDS = tuple(f.name for f in fields(PersonData))

_NORMALISE = {
    "bsn": blind_index.normalise_bsn,
    "postcode": blind_index.normalise_postcode,
    "house_number": blind_index.normalise_house_number,
    "email": blind_index.normalise_email,
    "phone": blind_index.normalise_phone,
}


def _clean(name: str, value: Any) -> Any:
    """Trimmed and normalised (``None`` for empty); DomainError naming the field if invalid."""
    if name == "is_main_tenant":
        return bool(value)
    if name == "minor":  # only a set flag is stored: "not flagged" is no data about anyone
        return True if value else None
    if name == "birth_date":
        if value is not None and (not isinstance(value, date) or value > local_today()):
            raise DomainError(str(_INVALID["birth_date"]), field=name)
        return value
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(str(_l("Controleer wat u invulde.")), field=name)
    value = " ".join(value.split())
    if not value:
        return None
    if len(value) > TEXT_MAX:
        raise DomainError(str(_l("Dit is te lang.")), field=name)
    if name == "relation":
        if value not in RELATIONS:
            raise DomainError(str(_INVALID["relation"]), field=name)
        return value
    if name in _NORMALISE:
        try:
            return _NORMALISE[name](value)
        except ValueError:
            raise DomainError(str(_INVALID[name]), field=name) from None
    return value


def clean_contact(field: str, value: str | None) -> str | None:
    """A phone number or e-mail address as the case stores it (E.164, lower case), ``None``
    when empty; DomainError naming the field when it is no number or address. The one rule
    for a household member, a tenant's own correction and a representative alike."""
    return _clean(field, value)


def clean_person(data: PersonData, today: date | None = None) -> dict[str, Any]:
    """Validated, normalised values of a household member (DomainError naming the field).

    A birth date less than 18 years ago flags the person as a minor (the flag is never
    cleared by a birth date: a professional may know better).
    """
    cleaned = {name: _clean(name, getattr(data, name)) for name in PERSON_FIELDS}
    if not cleaned["surname"]:
        raise DomainError(str(_l("Vul een achternaam in.")), field="surname")
    born = cleaned["birth_date"]
    if born is not None and is_minor_on(born, today or local_today()):
        cleaned["minor"] = True
    return cleaned


def person_digests(session: Session, person: dict[str, Any]) -> dict[str, str | None]:
    """The blind-index digests (index field -> digest, None when a source is empty) of a
    household member as ``clean_person`` returns it.

    Those values are already in normal form, made by the blind index's own normalisers
    (``_NORMALISE``), so they are only joined and digested here, not parsed and checked a
    second time: the digests a flush writes (tests/cases/test_import.py compares them), for
    the import of thousands of rows.
    """
    state = crypto_for(session)
    digests: dict[str, str | None] = {}
    for index_field, sources in Person.__blind_indexes__.items():
        values = [person[source] for source in sources]
        digests[index_field] = (
            None
            if any(value is None for value in values)
            else blind_index.digest(state, index_field, blind_index.join_normalised(*values))
        )
    return digests


def is_minor_on(born: date, day: date) -> bool:
    """Younger than 18 on ``day``."""
    return (day.year - born.year) - ((day.month, day.day) < (born.month, born.day)) < 18


def minor_from(born: Any, flagged: Any, today: date | None = None) -> bool:
    """Whether a person is under 18: from the birth date when known (a child grows up), else
    from the hand-set flag. Takes values already decrypted, so a page can pass what the
    policy point revealed (withheld values count as unknown)."""
    if isinstance(born, date):
        return is_minor_on(born, today or local_today())
    return flagged is True


def is_minor(person: Person, today: date | None = None) -> bool:
    """For the portal's own rules (who may consent, who votes), never for display: decrypts
    the birth date and the flag without asking the policy point."""
    return minor_from(decrypt_field(person, "birth_date"), decrypt_field(person, "minor"), today)


def require_not_erased(case: Case) -> None:
    """Refuse any change to a case whose data key was shredded (``Case.is_erased``).

    Nothing can be sealed under a destroyed key, so without this check a save would fail
    at the flush (an error page 500) instead of telling the user why it cannot be done.
    """
    if case.is_erased:
        raise DomainError(str(ERASED_MESSAGE))


def _may_act_for(actor: Actor, organisation: Organisation) -> bool:
    return actor.kind == "system" or (
        actor.kind == "staff" and actor.organisation_id == organisation.id
    )


def reserve_references(session: Session, year: int, count: int = 1) -> list[str]:
    """``count`` consecutive ``KP-<year>-<number>`` references, numbered per year.

    The counter row is updated before it is read, so concurrent writers queue on it; an
    import reserves its whole block with one update.
    """
    if count <= 0:
        return []
    for _attempt in range(3):
        bumped = changed_rows(
            session,
            update(CaseReferenceCounter)
            .where(CaseReferenceCounter.year == year)
            .values(last_number=CaseReferenceCounter.last_number + count)
            .execution_options(synchronize_session=False),
        )
        if bumped:
            last = session.execute(
                select(CaseReferenceCounter.last_number).where(CaseReferenceCounter.year == year)
            ).scalar_one()
            break
        try:
            with session.begin_nested():
                session.add(CaseReferenceCounter(year=year, last_number=count))
        except IntegrityError:
            continue  # someone else opened the year first: bump their row
        last = count
        break
    else:
        raise DomainError(str(_l("Probeer het opnieuw.")))
    return [f"KP-{year}-{number:06d}" for number in range(last - count + 1, last + 1)]


def _next_reference(session: Session, year: int) -> str:
    return reserve_references(session, year, 1)[0]


def check_kinds(signal_kinds: Iterable[str]) -> list[str]:
    kinds = list(dict.fromkeys(signal_kinds))
    if not kinds or any(kind not in SIGNAL_KINDS for kind in kinds):
        raise DomainError(str(_l("Kies minstens één bekend signaal.")), field="signal_kinds")
    return kinds


def check_cents(value: Any, field: str = "arrears") -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise DomainError(str(_l("Dit bedrag klopt niet.")), field=field)
    if value is not None and value > numbers.MAX_CENTS:
        raise DomainError(str(numbers.too_high_message()), field=field)
    return value


def check_months(value: Any) -> int | None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 999
    ):
        raise DomainError(str(_l("Vul een aantal maanden in (0 of meer).")), field="arrears_months")
    return value


def check_past_date(value: Any, field: str) -> date | None:
    if value is not None and (not isinstance(value, date) or value > local_today()):
        raise DomainError(str(_l("Deze datum klopt niet: hij ligt in de toekomst.")), field=field)
    return value


def contact_due(signal_date: date, contact_days: int) -> date:
    """The day by which a first contact attempt is due."""
    return signal_date + timedelta(days=contact_days)


def create_case(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    household: Sequence[PersonData],
    *,
    signal_kinds: Iterable[str] = ("arrears",),
    arrears_cents: int | None = None,
    arrears_months: int | None = None,
    arrears_since: date | None = None,
    tenant_number: str | None = None,
    signal_date: date | None = None,
    contact_days: int | None = None,
) -> Case:
    """Open a case for ``organisation`` with its household, under a fresh data key.

    With ``contact_days`` the case gets a first-contact deadline counted from the signal.
    """
    if not _may_act_for(actor, organisation):
        raise Forbidden()
    kinds = check_kinds(signal_kinds)
    check_cents(arrears_cents)
    check_months(arrears_months)
    check_past_date(arrears_since, "arrears_since")
    check_past_date(signal_date, "signal_date")
    tenant_number = _clean("tenant_number", tenant_number)
    people = [clean_person(member) for member in household]
    if sum(1 for p in people if p["is_main_tenant"]) != 1:
        raise DomainError(
            str(_l("Een huishouden heeft precies één hoofdhuurder.")), field="household"
        )

    data_key = create_data_key(session)
    case = new_case(
        reference=_next_reference(session, utcnow().year),
        organisation_id=organisation.id,
        data_key_id=data_key.id,
        kinds=kinds,
        people=people,
        signal_date=signal_date or local_today(),
        contact_days=contact_days,
        arrears_cents=arrears_cents,
        arrears_months=arrears_months,
        arrears_since=arrears_since,
        tenant_number=tenant_number,
    )
    session.add(case)
    session.flush()
    record(
        session,
        actor,
        "case.create",
        case_id=case.id,
        categories=_categories(PERSON_FIELDS, with_arrears=arrears_cents is not None),
        detail={"persons": len(people), "signals": kinds},
    )
    changed(session, case)
    return case


def new_case(
    *,
    reference: str,
    organisation_id: int,
    data_key_id: int,
    kinds: list[str],
    people: list[dict[str, Any]],
    signal_date: date,
    contact_days: int | None,
    **fields: Any,
) -> Case:
    """A case object from already validated values (shared by ``create_case`` and imports)."""
    case = Case(
        reference=reference,
        organisation_id=organisation_id,
        status=CASE_STATUSES[0],
        data_key_id=data_key_id,
        signal_date=signal_date,
        contact_due_on=contact_due(signal_date, contact_days) if contact_days else None,
        **{name: value for name, value in fields.items() if value is not None},
    )
    case.set_signal_kinds(kinds)
    case.persons = [Person(**person) for person in people]
    return case


def update_person(session: Session, actor: Actor, person: Person, **changes: Any) -> Person:
    """Change personal fields of a household member (blind indexes follow at flush)."""
    if not _may_act_for(actor, person.case.organisation):
        raise Forbidden()
    require_not_erased(person.case)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    cleaned = {name: _clean(name, value) for name, value in changes.items()}
    if "surname" in cleaned and not cleaned["surname"]:
        raise DomainError(str(_l("Vul een achternaam in.")), field="surname")
    for name, value in cleaned.items():
        setattr(person, name, value)
    session.flush()
    record(
        session,
        actor,
        "person.update",
        case_id=person.case_id,
        person_id=person.id,
        categories=_categories(cleaned),
        detail={"fields": sorted(cleaned)},
    )
    return person


def add_person(session: Session, actor: Actor, case: Case, data: PersonData) -> Person:
    """Add a household member (not a second main tenant)."""
    if not _may_act_for(actor, case.organisation):
        raise Forbidden()
    require_not_erased(case)
    cleaned = clean_person(data)
    if cleaned["is_main_tenant"]:
        raise DomainError(
            str(_l("Een huishouden heeft precies één hoofdhuurder.")), field="household"
        )
    person = Person(**cleaned)
    case.persons.append(person)
    session.flush()
    record(
        session,
        actor,
        "person.add",
        case_id=case.id,
        person_id=person.id,
        categories=_categories(name for name, v in cleaned.items() if v not in (None, False)),
    )
    return person


def remove_person(session: Session, actor: Actor, person: Person) -> None:
    """Take a member out of the household (moved out); the main tenant stays."""
    case = person.case
    if not _may_act_for(actor, case.organisation):
        raise Forbidden()
    require_not_erased(case)
    if person.is_main_tenant:
        raise DomainError(str(_l("De hoofdhuurder blijft in het huishouden.")), field="household")
    case.persons.remove(person)
    session.flush()
    record(
        session,
        actor,
        "person.remove",
        case_id=case.id,
        person_id=person.id,
        categories=["household"],
    )


#: Case fields a professional of the owning organisation may change, and their checks.
CASE_FIELDS = (
    "status",
    "signal_kinds",
    "tenant_number",
    "arrears_cents",
    "arrears_months",
    "arrears_since",
)


def update_case(session: Session, actor: Actor, case: Case, **changes: Any) -> Case:
    """Change the case file: status, signal kinds, tenant number, arrears.

    Closing records when (retention counts from there); reopening clears it.
    """
    if not _may_act_for(actor, case.organisation):
        raise Forbidden()
    require_not_erased(case)
    unknown = set(changes) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    if "status" in changes and changes["status"] not in CASE_STATUSES:
        raise DomainError(str(_l("Kies een bekende status.")), field="status")
    if "signal_kinds" in changes:
        changes["signal_kinds"] = check_kinds(changes["signal_kinds"])
    if "arrears_cents" in changes:
        check_cents(changes["arrears_cents"], "arrears_cents")
    if "arrears_months" in changes:
        check_months(changes["arrears_months"])
    if "arrears_since" in changes:
        check_past_date(changes["arrears_since"], "arrears_since")
    if "tenant_number" in changes:
        changes["tenant_number"] = _clean("tenant_number", changes["tenant_number"])

    before = case.status
    for name, value in changes.items():
        if name == "signal_kinds":
            case.set_signal_kinds(value)
        elif name != "status":
            setattr(case, name, value)
    if changes.get("status", before) != before:
        case.status = changes["status"]
        case.closed_at = utcnow() if case.status == "closed" else None
    session.flush()
    changed(session, case)
    personal = [n for n in changes if n in Case.__categories__]
    record(
        session,
        actor,
        "case.update",
        case_id=case.id,
        categories=sorted({Case.__categories__[n] for n in personal}),
        detail={
            "fields": sorted(changes),
            **({"status": [before, case.status]} if case.status != before else {}),
        },
    )
    return case


def _categories(names: Iterable[str], with_arrears: bool = False) -> list[str]:
    found = {CATEGORIES[name] for name in names}
    if with_arrears:
        found.add("arrears")
    return sorted(found)


# --- who else knows this household ------------------------------------------------------------


@dataclass(frozen=True)
class KnownPartner:
    """Another partner with an open case for the same household: its name and roles only."""

    organisation_id: int
    name: str
    roles: tuple[str, ...]


def known_elsewhere(session: Session, actor: Actor, case: Case) -> list[KnownPartner]:
    """Other partners that have an open case for this household, as far as the covenant
    lets their involvement be known.

    Matched on the blind index (BSN of any household member, or the main tenant's address),
    never by decrypting. Nothing of those cases is revealed: no reference, no date, no data.
    A partner is named only when every covenant role it plays may have its involvement known
    (``involvement_visible``), and only to someone allowed to see who the household is.
    """
    from portal.covenant.rules import NoActiveCovenant, active_covenant
    from portal.sharing import decide

    decisions = decide(session, actor, case, ["identity", "contact"])
    if not any(d.allowed for d in decisions.values()):
        return []
    try:
        covenant = active_covenant(session)
    except NoActiveCovenant:
        return []
    # This household's index entries, and the other cases' entries equal to one of them,
    # in one statement (each entry is found through ix_blind_index_lookup).
    own = (
        select(BlindIndex.field, BlindIndex.digest)
        .where(
            BlindIndex.person_id.in_(select(Person.id).where(Person.case_id == case.id)),
            BlindIndex.field.in_(("bsn", "address")),
        )
        .subquery()
    )
    other = BlindIndex.__table__.alias("other")
    rows = session.execute(
        select(Organisation.id, Organisation.slug, Organisation.name)
        .join(Case, Case.organisation_id == Organisation.id)
        .join(Person, Person.case_id == Case.id)
        .join(other, other.c.person_id == Person.id)
        .join(own, (own.c.field == other.c.field) & (own.c.digest == other.c.digest))
        .where(
            Case.status.in_(ACTIVE_STATUSES),
            Case.id != case.id,
            Case.organisation_id.not_in(
                {case.organisation_id, actor.organisation_id or case.organisation_id}
            ),
        )
        .distinct()
        .order_by(Organisation.name)
    ).all()
    found = []
    for org_id, slug, name in rows:
        roles = covenant.roles_of(slug)
        if roles and all(covenant.involvement_visible(role) for role in roles):
            found.append(KnownPartner(org_id, name, tuple(sorted(roles))))
    if found:
        record(
            session,
            actor,
            "case.known_elsewhere",
            case_id=case.id,
            detail={"organisations": [p.organisation_id for p in found]},
        )
    return found


# --- look-ups through the blind index ---------------------------------------------------------


def find_cases_by_bsn(session: Session, actor: Actor, bsn: str) -> list[Case]:
    return _find(session, actor, "bsn", bsn)


def find_cases_by_address(
    session: Session, actor: Actor, postcode: str, house_number: str
) -> list[Case]:
    return _find(session, actor, "address", postcode, house_number)


def find_cases_by_email(session: Session, actor: Actor, email: str) -> list[Case]:
    return _find(session, actor, "email", email)


def find_cases_by_phone(session: Session, actor: Actor, phone: str) -> list[Case]:
    return _find(session, actor, "phone", phone)


def find_cases_anywhere(
    session: Session, actor: Actor, index_field: str, *values: str
) -> list[Case]:
    """Cases of every organisation with a person whose field equals ``values``: only for
    emergency access (``handover.emergency``), whose service decides who may ask and tells
    the owners; the search is audited like any other."""
    return _find(session, actor, index_field, *values, everywhere=True)


def _find(
    session: Session, actor: Actor, index_field: str, *values: str, everywhere: bool = False
) -> list[Case]:
    """Cases (visible to ``actor``, or all with ``everywhere``) with a person whose field
    equals ``values``.

    The digest finds candidates without decrypting anything; only those candidates are
    decrypted, to drop a false positive of the truncated digest.
    """
    try:
        normalised = blind_index.normalise(index_field, *values)
    except ValueError:
        message_key = "postcode" if index_field == "address" else index_field
        raise DomainError(str(_INVALID[message_key]), field=index_field) from None
    value_digest = blind_index.digest(crypto_for(session), index_field, normalised)
    candidates = session.scalars(
        select(Person)
        .join(Person.blind_indexes)
        .join(Person.case)
        .where(
            BlindIndex.field == index_field,
            BlindIndex.digest == value_digest,
            true() if everywhere else visible_cases(actor),
        )
        .order_by(Case.id, Person.id)
    ).all()
    found: dict[int, Case] = {}
    sources = Person.__blind_indexes__[index_field]
    for person in candidates:
        plain = [decrypt_field(person, source) for source in sources]
        if any(value is None or isinstance(value, Erased) for value in plain):
            continue
        try:
            if blind_index.normalise(index_field, *plain) != normalised:
                continue
        except ValueError:
            continue
        found.setdefault(person.case_id, person.case)
    record(
        session,
        actor,
        "case.search",
        categories=_categories(sources),
        detail={"by": index_field, "results": len(found)},
    )
    return list(found.values())


# --- crypto-shredding -----------------------------------------------------------------------


def shred_case(session: Session, actor: Actor, case: Case) -> bool:
    """Destroy the case's data key: its personal data reads as erased, for good.

    The blind-index entries of its people go too, so the case can no longer be found by
    BSN, address, e-mail or phone. False if the key was already destroyed.
    """
    if actor.kind != "system":
        raise Forbidden()
    destroyed = destroy_data_key(session, case.data_key_id)
    person_ids = select(Person.id).where(Person.case_id == case.id)
    session.execute(
        delete(BlindIndex)
        .where(BlindIndex.person_id.in_(person_ids))
        .execution_options(synchronize_session=False)
    )
    for person in case.persons:
        session.expire(person, ["blind_indexes"])
    session.flush()
    record(
        session,
        actor,
        "keys.shred",
        case_id=case.id,
        categories=sorted(set(CATEGORIES.values())),
        detail={"data_key_id": case.data_key_id, "already_destroyed": not destroyed},
    )
    return destroyed


def signalled_values(session: Session, case: Case) -> dict[str, Any]:
    """What an early signal hands the municipality for its own administration of the signal
    and the national monitor: the arrears, when they arose, and the main tenant's birth date,
    postcode and house number (empty or erased values left out). The receiving partner keeps
    them under the case's key (``handover.earlysignal``)."""
    tenant = next((p for p in case.persons if p.is_main_tenant), None)
    sources: list[tuple[Case | Person, str, str]] = [
        (case, "arrears_cents", "amount_cents"),
        (case, "arrears_since", "arrears_since"),
    ]
    if tenant is not None:
        sources += [(tenant, name, name) for name in ("birth_date", "postcode", "house_number")]
    found = {}
    for source, field, name in sources:
        value = decrypt_field(source, field, session=session)
        if value is not None and not isinstance(value, Erased):
            found[name] = value
    return found
