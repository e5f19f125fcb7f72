"""Display names of the consent room's codes and audit actions, in the user's language (Dutch
source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: What consent's audit events are called on the auditor's and the case's access pages.
ACTION_LABELS = {
    "consent.requested": _l("Toestemming gevraagd"),
    "consent.invitation_sent": _l("Uitnodiging voor toestemming verstuurd"),
    "consent.request_cancelled": _l("Verzoek om toestemming ingetrokken"),
    "consent.contact_lookup": _l("Contactgegevens opgezocht voor een uitnodiging"),
    "consent.code_requested": _l("Code aangevraagd door de huurder"),
    "consent.code_sent": _l("Code verstuurd"),
    "consent.identity_check": _l("Gegevens gebruikt om de huurder te controleren"),
    "consent.identity_proved": _l("Huurder heeft laten zien wie hij of zij is"),
    "consent.identity_failed": _l("Controle van de huurder mislukt"),
    "consent.identity_locked": _l("Controle geblokkeerd na te veel pogingen"),
    "consent.given": _l("Toestemming gegeven"),
    "consent.declined": _l("Toestemming geweigerd"),
    "consent.verbal_recorded": _l("Mondelinge toestemming vastgelegd"),
    "consent.record_representative": _l("Vertegenwoordiger vastgelegd"),
    "consent.scan": _l("Scan van het toestemmingsformulier"),
    "consent.withdrawn": _l("Toestemming ingetrokken"),
    "consent.expired": _l("Toestemming verlopen"),
    "consent.acknowledged": _l("Intrekking gezien door de partner"),
    "consent.view": _l("Toestemmingen bekeken"),
    "consent.receipt": _l("Bewijs van toestemming gedownload"),
    "consent.withdrawal_receipt": _l("Bewijs van intrekking gedownload"),
}

#: How an invitation reaches the tenant.
CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("Sms"), "letter": _l("Brief")}

#: The GDPR article a consent record rests on, in words (the record keeps the code).
LEGAL_BASIS_LABELS = {
    "gdpr-6-1-a": _l("Toestemming (AVG artikel 6 lid 1 onder a)"),
    "gdpr-6-1-a+9-2-a": _l(
        "Uitdrukkelijke toestemming (AVG artikel 6 lid 1 onder a en artikel 9 lid 2 onder a)"
    ),
}
