"""A legal representative (bewindvoerder, mentor, curator) who answers for the tenant."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from consent.models import MANDATES
from portal.crypto import blind_index
from portal.errors import DomainError

MANDATE_LABELS = {
    "bewindvoerder": _l("bewindvoerder"),
    "mentor": _l("mentor"),
    "curator": _l("curator"),
}


@dataclass(frozen=True, repr=False)
class Representative:
    """A legal representative who gives consent for the tenant. Holds plaintext: no repr."""

    name: str
    mandate: str
    email: str | None = None
    phone: str | None = None

    def __repr__(self) -> str:
        return "<Representative>"

    def cleaned(self) -> Representative:
        name = " ".join((self.name or "").split())
        if not name:
            raise DomainError(str(_l("Vul de naam van de vertegenwoordiger in.")), field="rep_name")
        if self.mandate not in MANDATES:
            raise DomainError(str(_l("Kies het soort vertegenwoordiging.")), field="rep_mandate")
        email = phone = None
        try:
            if self.email and self.email.strip():
                email = blind_index.normalise_email(self.email)
        except ValueError:
            raise DomainError(str(_l("Dit e-mailadres klopt niet.")), field="rep_email") from None
        try:
            if self.phone and self.phone.strip():
                phone = blind_index.normalise_phone(self.phone)
        except ValueError:
            raise DomainError(
                str(_l("Dit telefoonnummer klopt niet.")), field="rep_phone"
            ) from None
        return Representative(name[:200], self.mandate, email, phone)
