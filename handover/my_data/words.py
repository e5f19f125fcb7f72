"""The words the tenant reads for the portal's codes (B1), and the small helpers every part of
"Mijn gegevens" uses: a code in words (never the raw code), a withheld or erased value as
nothing to show, a moment as its day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.crypto.fields import Erased
from portal.sharing import Withheld
from portal.workdays import local_date

#: A referral's status as the tenant reads it (B1).
REFERRAL_STATUS = {
    "sent": _l("Gevraagd, nog geen antwoord"),
    "accepted": _l("Zij zeiden ja: zij gaan u helpen"),
    "in_progress": _l("Zij helpen u nu"),
    "declined": _l("Zij konden u niet helpen"),
    "returned": _l("Zij gaven uw zaak terug"),
    "expired": _l("Geen antwoord op tijd"),
    "withdrawn": _l("Toch niet gevraagd"),
    "completed": _l("De hulp is klaar"),
    "escalated": _l("Doorgestuurd naar een andere organisatie"),
}

DECISION_STATUS = {
    "preparing": _l("De organisaties bereiden het besluit voor"),
    "voting": _l("De organisaties stemmen nu"),
    "decided": _l("Besloten"),
    "withdrawn": _l("Gestopt: er komt geen besluit"),
}

DECISION_OUTCOME = {
    "approved": _l("Ja, aangenomen"),
    "refused": _l("Nee, afgewezen"),
}

CONSENT_STATUS = {
    "valid": _l("Geldt nu"),
    "withdrawn": _l("Ingetrokken"),
    "expired": _l("Verlopen"),
}

#: Her messages and corrections as she reads about them (B1).
SAY_KIND_WORDS = {"view": _l("Hoe u het ziet"), "question": _l("Uw vraag")}

CORRECTION_WORDS = {
    "pending": _l("De organisatie kijkt er nog naar"),
    "confirmed": _l("Aangepast"),
    "rejected": _l("Niet aangepast"),
}


def plain(value: Any) -> Any:
    """A revealed value, or ``None`` for a withheld or erased one (nothing to show)."""
    return None if isinstance(value, (Withheld, Erased)) else value


def words(labels: dict[str, Any], code: Any) -> str:
    """A code in words; an unknown or missing code as "unknown" (never the raw code)."""
    found = labels.get(code) if isinstance(code, str) else None
    return str(found) if found is not None else _("Onbekend")


def day(moment: datetime | None) -> date | None:
    return local_date(moment) if moment is not None else None
