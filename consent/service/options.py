"""What a professional may ask consent for: the purposes, recipients and categories whose
covenant basis is consent, and the check that a request asks nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import ConsentRequest
from portal.accounts.models import Organisation
from portal.covenant.rules import Covenant
from portal.errors import Conflict, DomainError


@dataclass(frozen=True)
class RecipientOption:
    """One recipient a professional may ask consent for, with the consent categories."""

    role: str
    organisation_id: int | None
    categories: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.role}|{self.organisation_id or '*'}"


def consent_categories(covenant: Covenant, purpose: str, role: str) -> tuple[str, ...]:
    """The categories ``role`` receives for ``purpose`` only with consent, in covenant order."""
    package = covenant.sharing_package(purpose, role)
    return tuple(c for c in covenant.categories if c in package and package[c].is_consent)


def consent_purposes(covenant: Covenant) -> list[str]:
    """Purposes for which some recipient needs consent for some category."""
    return [
        p
        for p in covenant.purposes
        if any(consent_categories(covenant, p, role) for role in covenant.recipients(p))
    ]


def recipient_options(
    session: Session, covenant: Covenant, purpose: str, owner_id: int
) -> list[RecipientOption]:
    """Pre-filled from the covenant: each partner organisation in each recipient role of the
    purpose (never the owner itself), with the categories whose basis is consent."""
    if purpose not in covenant.purposes:
        return []
    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    options = []
    for role in covenant.recipients(purpose):
        categories = consent_categories(covenant, purpose, role)
        if not categories:
            continue
        for slug in covenant.partners_with_role(role):
            org = orgs.get(slug)
            if org is not None and org.id != owner_id:
                options.append(RecipientOption(role, org.id, categories))
    return options


def clean_items(
    session: Session,
    covenant: Covenant,
    purpose: str,
    items: Iterable[Mapping[str, Any]],
    owner_id: int,
) -> list[dict[str, Any]]:
    """Validate what is asked: known purpose, recipients that play their role, and only
    categories whose covenant basis for that role is consent. Merges duplicates."""
    if purpose not in covenant.purposes:
        raise DomainError(str(_l("Kies een doel uit het convenant.")), field="purpose")
    merged: dict[tuple[str, int | None], set[str]] = {}
    for item in items:
        role = str(item.get("role", ""))
        org_id = item.get("organisation_id")
        if role not in covenant.roles:
            raise DomainError(str(_l("Kies ontvangers uit het convenant.")), field="items")
        allowed = set(consent_categories(covenant, purpose, role))
        categories = set(item.get("categories") or ())
        if not categories or not categories <= allowed:
            raise DomainError(
                str(_l("Vraag alleen toestemming voor gegevens die toestemming nodig hebben.")),
                field="items",
            )
        if org_id is not None:
            org = session.get(Organisation, int(org_id))
            if org is None or org.id == owner_id or role not in covenant.roles_of(org.slug):
                raise DomainError(str(_l("Kies ontvangers uit het convenant.")), field="items")
            org_id = org.id
        merged.setdefault((role, org_id), set()).update(categories)
    if not merged:
        raise DomainError(
            str(_l("Kies minstens één ontvanger en één soort gegevens.")), field="items"
        )
    order = list(covenant.categories)
    return [
        {"role": role, "organisation_id": org_id, "categories": sorted(cats, key=order.index)}
        for (role, org_id), cats in merged.items()
    ]


def recheck_items(
    session: Session, covenant: Covenant, request: ConsentRequest, changed: str
) -> list[dict[str, Any]]:
    """A request's items checked again against the covenant in force now, when it is
    answered or confirmed: nothing is recorded under rules that no longer allow it.
    ``changed`` is what the person is told if they do not."""
    try:
        return clean_items(
            session, covenant, request.purpose, request.items, request.organisation_id
        )
    except DomainError:
        raise Conflict(changed) from None
