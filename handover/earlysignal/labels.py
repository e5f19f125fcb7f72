"""Display names of the signal case's codes and audit actions (Dutch source strings; the
model's own Dutch words where it has them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: The case's access history is read by the signalling partner too: the labels of the
#: municipality's own steps say that it worked on the signal, not what it found.
ACTION_LABELS = {
    "earlysignal.pick_up": _l("Vroegsignaal opgepakt"),
    "earlysignal.contact_attempt": _l("Vroegsignaal bijgewerkt door de ontvanger"),
    "earlysignal.outcome": _l("Vroegsignaal afgesloten"),
    "earlysignal.debt_help": _l("Vroegsignaal bijgewerkt door de ontvanger"),
    "earlysignal.overdue": _l("Wettelijke termijn van een vroegsignaal verstreken"),
    "referral.signal_closed": _l("Vroegsignaal afgesloten"),
}

ATTEMPT_KIND_LABELS = {
    "mail": _l("Mail"),
    "letter": _l("Brief"),
    "sms_whatsapp": _l("SMS/Whatsapp"),
    "phone": _l("Telefoon"),
    "house_visit": _l("Huisbezoek"),
    "card": _l("Kaartje door de deur"),
    "other": _l("Overige"),
    "administrative": _l("Administratief"),
}

DAY_PART_LABELS = {
    "morning": _l("Ochtend (voor 12.00 uur)"),
    "afternoon": _l("Middag (12.00 tot 18.00 uur)"),
    "evening": _l("Avond (vanaf 18.00 uur)"),
}

OUTCOME_LABELS = {
    "not_picked_up_repeat": _l("Niet opgepakt: herhaalde melding"),
    "not_picked_up_unjustified": _l("Niet opgepakt: onterecht signaal"),
    "deceased": _l("Inwoner is overleden"),
    "not_resident": _l("Persoon is geen inwoner (meer) in de gemeente"),
    "not_picked_up_other": _l("Niet opgepakt: andere reden"),
    "known_to_debt_help": _l("Inwoner al bekend bij schuldhulpverlening"),
    "other_trajectory": _l("Inwoner heeft al een ander lopend traject"),
    "no_contact": _l("Definitief geen contact kunnen krijgen"),
    "no_response_after_contact": _l("Geen reactie na eerder contact"),
    "no_help_wanted": _l("Inwoner hoeft geen hulp vanuit vroegsignalering"),
    "already_paid": _l("Inwoner heeft zelf al betaald/betalingsregeling getroffen"),
    "budget_advice_quick_fix": _l("(Budget)advies en/of quick fix"),
    "follow_up_financial": _l("Vervolghulp en/of verwijzing financieel"),
    "referral_without_contact": _l("Verwijzing zonder contact"),
    "follow_up_non_financial": _l("Vervolghulp en/of verwijzing niet financieel"),
}

#: What the signalling partner reads about its signal (``policy.sender_feedback``).
FEEDBACK_LABELS = {
    "waiting": _l("Gemeld, nog niet opgepakt"),
    "picked_up": _l("Opgepakt door de gemeente"),
    "not_picked_up": _l("Niet opgepakt door de gemeente"),
}
