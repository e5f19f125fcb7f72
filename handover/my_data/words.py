"""The words the tenant reads for the portal's codes (B1), and a moment as its day. A code
becomes words with ``portal.i18n.code_in_words``; a withheld value is nothing to show with
``portal.sharing.plain``."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

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


def day(moment: datetime | None) -> date | None:
    return local_date(moment) if moment is not None else None
