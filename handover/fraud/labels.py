"""Housing-fraud investigations in words: suspicions, entries, outcomes, the audit log's
actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SUSPICION_LABELS = {
    "sublet": _l("Onderhuur: de huurder verhuurt de woning aan een ander"),
    "not_living_there": _l("De huurder woont er niet (meer)"),
    "address_fraud": _l("Adresfraude of onrechtmatige bewoning"),
    "other": _l("Iets anders"),
}
#: Short forms for lists and headings.
SUSPICION_SHORT = {
    "sublet": _l("Onderhuur"),
    "not_living_there": _l("Woont er niet"),
    "address_fraud": _l("Adresfraude of onrechtmatige bewoning"),
    "other": _l("Anders"),
}
STATUS_LABELS = {"open": _l("Lopend"), "closed": _l("Afgesloten")}
ENTRY_LABELS = {
    "finding": _l("Bevinding"),
    "house_visit": _l("Verslag van een huisbezoek"),
    "tenant_response": _l("Reactie van de huurder"),
}
#: What each kind of document of a court file is called.
DOCUMENT_LABELS = {
    **ENTRY_LABELS,
    "attachment": _l("Bijlage"),
}
OUTCOME_LABELS = {
    "voluntary_termination": _l("De huurder zegt de huur zelf op"),
    "court_procedure": _l("Gerechtelijke procedure"),
    "damages_claim": _l("Schadevergoeding geëist"),
    "unfounded": _l("Vermoeden niet bevestigd"),
}
ACTION_LABELS = {
    "fraud.open": _l("Woonfraudeonderzoek geopend"),
    "fraud.view": _l("Woonfraudeonderzoek bekeken"),
    "fraud.entry": _l("Verslag toegevoegd aan woonfraudeonderzoek"),
    "fraud.outcome": _l("Uitkomst van woonfraudeonderzoek vastgelegd"),
    "fraud.subtenant": _l("Onderhuurder vastgelegd"),
    "fraud.subtenant_case": _l("Casus geopend voor de onderhuurder"),
    "fraud.court_file": _l("Dossier voor de rechter samengesteld"),
    "fraud.court_file.sealed": _l("Dossier voor de rechter verzegeld"),
    "fraud.court_file.download": _l("Dossier voor de rechter gedownload"),
}
