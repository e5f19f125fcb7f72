"""Case operations: create a case with its household, change a person, find, shred.

Every personal value is normalised and validated here, then assigned in the clear to an
encrypted column; the flush seals it under the case's data key and refreshes the blind
indexes. Look-ups go through the blind index and decrypt only the candidates they find.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import (
    CASE_STATUSES,
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
from portal.db import utcnow
from portal.errors import DomainError, Forbidden

#: Which data category each personal attribute belongs to (for the audit log and, later,
#: the sharing policy).
CATEGORIES = {
    **Person.__categories__,
    **Case.__categories__,
    "is_main_tenant": "household",
    "is_minor": "household",
}

_INVALID = {
    "bsn": _l("Dit BSN klopt niet. Controleer de negen cijfers."),
    "postcode": _l("Deze postcode klopt niet. Schrijf hem als 1234 AB."),
    "house_number": _l("Dit huisnummer klopt niet."),
    "email": _l("Dit e-mailadres klopt niet."),
    "phone": _l("Dit telefoonnummer klopt niet."),
    "birth_date": _l("Deze geboortedatum klopt niet."),
}


@dataclass(frozen=True, repr=False)
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
    is_main_tenant: bool = False
    is_minor: bool = False

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
    if name in {"is_main_tenant", "is_minor"}:
        return bool(value)
    if name == "birth_date":
        if value is not None and (not isinstance(value, date) or value > utcnow().date()):
            raise DomainError(str(_INVALID["birth_date"]), field=name)
        return value
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(str(_l("Controleer wat u invulde.")), field=name)
    value = " ".join(value.split())
    if not value:
        return None
    if name in _NORMALISE:
        try:
            return _NORMALISE[name](value)
        except ValueError:
            raise DomainError(str(_INVALID[name]), field=name) from None
    return value


def _clean_person(data: PersonData) -> dict[str, Any]:
    cleaned = {name: _clean(name, value) for name, value in asdict(data).items()}
    if not cleaned["surname"]:
        raise DomainError(str(_l("Vul een achternaam in.")), field="surname")
    return cleaned


def _may_act_for(actor: Actor, organisation: Organisation) -> bool:
    return actor.kind == "system" or (
        actor.kind == "staff" and actor.organisation_id == organisation.id
    )


def _next_reference(session: Session, year: int) -> str:
    """``KP-<year>-<number>``, numbered per year; the counter row serialises writers."""
    for _attempt in range(3):
        bumped = session.execute(
            update(CaseReferenceCounter)
            .where(CaseReferenceCounter.year == year)
            .values(last_number=CaseReferenceCounter.last_number + 1)
            .execution_options(synchronize_session=False)
        )
        if bumped.rowcount:
            number = session.execute(
                select(CaseReferenceCounter.last_number).where(CaseReferenceCounter.year == year)
            ).scalar_one()
            return f"KP-{year}-{number:06d}"
        try:
            with session.begin_nested():
                session.add(CaseReferenceCounter(year=year, last_number=1))
        except IntegrityError:
            continue  # someone else opened the year first: bump their row
        return f"KP-{year}-{1:06d}"
    raise DomainError(str(_l("Probeer het opnieuw.")))


def create_case(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    household: Sequence[PersonData],
    *,
    signal_kinds: Iterable[str] = ("arrears",),
    arrears_cents: int | None = None,
) -> Case:
    """Open a case for ``organisation`` with its household, under a fresh data key."""
    if not _may_act_for(actor, organisation):
        raise Forbidden()
    kinds = list(dict.fromkeys(signal_kinds))
    if not kinds or any(kind not in SIGNAL_KINDS for kind in kinds):
        raise DomainError(str(_l("Kies minstens één bekend signaal.")), field="signal_kinds")
    if arrears_cents is not None and (
        not isinstance(arrears_cents, int) or isinstance(arrears_cents, bool) or arrears_cents < 0
    ):
        raise DomainError(str(_l("Het bedrag van de achterstand klopt niet.")), field="arrears")
    people = [_clean_person(member) for member in household]
    if sum(1 for p in people if p["is_main_tenant"]) != 1:
        raise DomainError(
            str(_l("Een huishouden heeft precies één hoofdhuurder.")), field="household"
        )

    data_key = create_data_key(session)
    case = Case(
        reference=_next_reference(session, utcnow().year),
        organisation_id=organisation.id,
        status=CASE_STATUSES[0],
        signal_kinds=kinds,
        data_key_id=data_key.id,
        arrears_cents=arrears_cents,
    )
    case.persons = [Person(**person) for person in people]
    session.add(case)
    session.flush()
    record(
        session,
        actor,
        "case.create",
        case_id=case.id,
        categories=_categories(PERSON_FIELDS, with_finances=arrears_cents is not None),
        detail={"persons": len(people), "signals": kinds},
    )
    return case


def update_person(session: Session, actor: Actor, person: Person, **changes: Any) -> Person:
    """Change personal fields of a household member (blind indexes follow at flush)."""
    if not _may_act_for(actor, person.case.organisation):
        raise Forbidden()
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


def _categories(names: Iterable[str], with_finances: bool = False) -> list[str]:
    found = {CATEGORIES[name] for name in names}
    if with_finances:
        found.add("finances")
    return sorted(found)


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


def _find(session: Session, actor: Actor, index_field: str, *values: str) -> list[Case]:
    """Cases (visible to ``actor``) with a person whose field equals ``values``.

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
            visible_cases(actor),
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
