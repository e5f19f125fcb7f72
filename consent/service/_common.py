"""Small helpers the consent operations share: who may act for a case, who may be asked,
which covenant counts now, how a token is stored.

Kept in one place so that every operation applies the same rule the same way."""

from __future__ import annotations

import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.cases.models import Case, Person
from portal.cases.service import is_minor
from portal.covenant.rules import Covenant, active_covenant
from portal.errors import DomainError, Forbidden, NotFound


def require_owner(actor: Actor, case: Case) -> None:
    """Only a professional of the case's owner asks, records or cancels consent for it."""
    if actor.kind != "staff" or actor.organisation_id != case.organisation_id:
        raise Forbidden()


def hash_token(token: str) -> str:
    """Links and browser secrets are stored as their SHA-256 only, never as they were sent."""
    return hashlib.sha256(token.encode()).hexdigest()


def adult_person(case: Case, person_id: int) -> Person:
    """The household member consent is asked of: never a minor."""
    person = next((p for p in case.persons if p.id == person_id), None)
    if person is None or is_minor(person):
        raise DomainError(str(_l("Kies een volwassen lid van het huishouden.")), field="person")
    return person


def first_adult(case: Case) -> Person:
    """Whom to ask by default: the main tenant, or else the first adult of the household."""
    main = next((p for p in case.persons if p.is_main_tenant), None)
    if main is not None and not is_minor(main):
        return main
    adult = next((p for p in case.persons if not is_minor(p)), None)
    if adult is None:
        raise NotFound()
    return adult


def covenant_now(session: Session) -> Covenant:
    """The active covenant, stored: requests and records keep its version id."""
    covenant = active_covenant(session)
    assert covenant.version_id is not None
    return covenant
