"""Display names of early signalling's codes and audit actions (Dutch source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "signalling.steps": _l("Wettelijke stappen vroegsignalering bekeken"),
    "signalling.report_check": _l("Stappen gecontroleerd voor een melding"),
    "signalling.list": _l("Lijst voor vroegsignalering bekeken"),
    "signalling.report": _l("Vroegsignaal gemeld aan de gemeente"),
    "signalling.report_job": _l("Melding van vroegsignalen gestart"),
    "signalling.objection": _l("Bezwaar tegen melding vastgelegd"),
    "signalling.objection_withdrawn": _l("Bezwaar tegen melding ingetrokken"),
}

#: Each legal step as the checklist says it when it is met.
STEP_DONE = {
    "contact": _l("Persoonlijk contact gezocht"),
    "points_to_help": _l("Gewezen op schuldhulp"),
    "reminder": _l("Schriftelijke herinnering gestuurd"),
    "offer": _l("In de herinnering aangeboden de gegevens door te geven"),
    "amount": _l("Achterstand hoog genoeg"),
    "days": _l("Achterstand lang genoeg"),
}

#: Each legal step as the checklist and the ready list say it when it is missing.
STEP_MISSING = {
    "contact": _l(
        "Nog geen persoonlijk contact gezocht (telefoon, WhatsApp, e-mail of huisbezoek)"
    ),
    "points_to_help": _l("Nog niet gewezen op schuldhulp (in een brief)"),
    "reminder": _l("Nog geen schriftelijke herinnering of aanmaning"),
    "offer": _l("Nog geen herinnering die aanbiedt de gegevens door te geven"),
    "amount": _l("Achterstand lager dan de drempel"),
    "days": _l("Achterstand nog niet lang genoeg"),
}

STATE_LABELS = {
    "ready": _l("Klaar om te melden"),
    "missing": _l("Stap ontbreekt"),
    "objected": _l("Bezwaar gemaakt"),
    "reported": _l("Al gemeld"),
}

SOURCE_LABELS = {
    "caseworker": _l("door een medewerker"),
    "tenant": _l("door de huurder zelf (online)"),
}

SKIP_LABELS = {
    "objected": _l("bezwaar gemaakt"),
    "missing": _l("een stap ontbreekt"),
    "already": _l("deze maand al gemeld"),
    "open": _l("de vorige melding loopt nog"),
    "closed": _l("casus gesloten"),
    "unknown": _l("niet gevonden"),
}

JOB_STATUS_LABELS = {
    "queued": _l("In de wachtrij"),
    "running": _l("Bezig met melden"),
    "done": _l("Klaar"),
    "failed": _l("Afgebroken"),
}
