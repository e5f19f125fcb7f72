"""Display names of the case room's codes, in the user's language (Dutch source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

SIGNAL_KIND_LABELS = {
    "arrears": _l("Huurachterstand"),
    "nuisance": _l("Overlast"),
    "housing_fraud": _l("Woonfraude"),
    "pollution": _l("Vervuiling"),
    "other": _l("Anders"),
}
STATUS_LABELS = {
    "open": _l("Open"),
    "in_progress": _l("In behandeling"),
    "closed": _l("Gesloten"),
}
STATUS_FILTER_LABELS = {
    "active": _l("Open en in behandeling"),
    **STATUS_LABELS,
    "all": _l("Alle"),
}
RELATION_LABELS = {
    "partner": _l("Partner"),
    "child": _l("Kind"),
    "parent": _l("Ouder"),
    "other": _l("Anders"),
}
CHANNEL_LABELS = {
    "phone": _l("Telefoon"),
    "whatsapp": _l("WhatsApp"),
    "email": _l("E-mail"),
    "letter": _l("Brief"),
    "house_visit": _l("Huisbezoek"),
}
OUTCOME_LABELS = {
    "reached": _l("Bereikt"),
    "not_reached": _l("Niet bereikt"),
    "refused": _l("Geweigerd"),
}
LETTER_KIND_LABELS = {
    "reminder": _l("Betalingsherinnering"),
    "summons": _l("Aanmaning"),
    "other": _l("Andere brief"),
}
YES_NO_LABELS = {"yes": _l("Ja"), "no": _l("Nee")}
AGREEMENT_STATUS_LABELS = {
    "proposed": _l("Voorgesteld"),
    "active": _l("Loopt"),
    "kept": _l("Nagekomen"),
    "broken": _l("Niet nagekomen"),
}
INCOME_SOURCE_LABELS = {
    "wages": _l("Loon"),
    "benefit": _l("Uitkering"),
    "pension": _l("Pensioen"),
    "self_employed": _l("Eigen bedrijf"),
    "none": _l("Geen inkomen"),
    "unknown": _l("Onbekend"),
}
DEBT_SUPPORT_LABELS = {
    "none": _l("Nee"),
    "applied": _l("Aangevraagd"),
    "active": _l("Ja, loopt"),
    "unknown": _l("Onbekend"),
}
LIFE_DOMAIN_LABELS = {
    "finances": _l("Financiën"),
    "housing": _l("Wonen"),
    "health": _l("Gezondheid"),
    "work_income": _l("Werk en inkomen"),
    "family": _l("Gezin"),
    "social_network": _l("Sociaal netwerk"),
    "daytime": _l("Dagbesteding"),
}
LIFE_STATUS_LABELS = {
    "good": _l("Gaat goed"),
    "attention": _l("Aandacht nodig"),
    "worried": _l("Zorgelijk"),
    "acute": _l("Acuut"),
}
JOB_STATUS_LABELS = {
    "queued": _l("In de wachtrij"),
    "checking": _l("Bestand controleren"),
    "saving": _l("Signalen opslaan"),
    "done": _l("Klaar"),
    "failed": _l("Niet geïmporteerd"),
}
MANDATE_LABELS = {
    "bewindvoerder": _l("Bewindvoerder"),
    "mentor": _l("Mentor"),
    "curator": _l("Curator"),
}
SAY_KIND_LABELS = {"view": _l("Eigen kijk"), "question": _l("Vraag")}
CORRECTION_STATUS_LABELS = {
    "pending": _l("Wacht op bevestiging"),
    "confirmed": _l("Bevestigd"),
    "rejected": _l("Afgewezen"),
}
CORRECTABLE_LABELS = {"phone": _l("Mobiel nummer"), "email": _l("E-mailadres")}

LABELS = {
    "signal_kind": SIGNAL_KIND_LABELS,
    "status": STATUS_LABELS,
    "relation": RELATION_LABELS,
    "channel": CHANNEL_LABELS,
    "outcome": OUTCOME_LABELS,
    "agreement_status": AGREEMENT_STATUS_LABELS,
    "income_source": INCOME_SOURCE_LABELS,
    "debt_support": DEBT_SUPPORT_LABELS,
    "life_domain": LIFE_DOMAIN_LABELS,
    "life_status": LIFE_STATUS_LABELS,
    "job_status": JOB_STATUS_LABELS,
    "letter_kind": LETTER_KIND_LABELS,
    "yes_no": YES_NO_LABELS,
    "mandate": MANDATE_LABELS,
    "say_kind": SAY_KIND_LABELS,
    "correction_status": CORRECTION_STATUS_LABELS,
    "correctable": CORRECTABLE_LABELS,
}


def choices(kind: str, *, blank: object | None = None) -> list[SelectChoice]:
    """The codes with their labels for a select or radio group, optionally after a blank."""
    found = [SelectChoice(code, text) for code, text in LABELS[kind].items()]
    return [SelectChoice("", blank), *found] if blank is not None else found
