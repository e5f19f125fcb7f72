"""Display names of the joint decisions' codes and audit actions, in the user's language (Dutch
source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

GROUNDS = {
    "arrears": _l("Huurachterstand"),
    "nuisance": _l("Overlast"),
    "fraud": _l("Woonfraude"),
}
COURT_STATUSES = {
    "none": _l("Geen vonnis (nog niet naar de rechter)"),
    "requested": _l("Vonnis aangevraagd"),
    "judgment": _l("Vonnis verkregen"),
}
STATUSES = {
    "preparing": _l("In voorbereiding"),
    "voting": _l("Stemming open"),
    "decided": _l("Besloten en verzegeld"),
    "withdrawn": _l("Ingetrokken"),
}
POSITIONS = {
    "agree": _l("Eens"),
    "disagree": _l("Oneens"),
    "abstain": _l("Onthouding"),
}
#: How the tenant was heard before the vote.
HEARD = {
    "in_person": _l("In een gesprek, met de huurder of de vertegenwoordiger"),
    "in_writing": _l("Schriftelijk: de eigen woorden van de huurder bij de zaak"),
    "declined": _l("Wilde niet gehoord worden"),
    "not_reached": _l("Niet bereikt, ondanks pogingen"),
}
OUTCOMES = {
    "approved": _l("Aangenomen"),
    "refused": _l("Afgewezen"),
}
REASONS = {
    "veto": _l("een partner met vetorecht stemde tegen"),
    "unanimous": _l("alle partners stemden voor"),
    "not_unanimous": _l("niet alle partners stemden voor (unanimiteit vereist)"),
    "missing_votes": _l("niet alle partners stemden op tijd"),
    "all_recused": _l("alle partners onthielden zich wegens belangenverstrengeling"),
    "majority": _l("meer partners voor dan tegen"),
    "no_majority": _l("meer partners tegen dan voor"),
    "tie": _l("evenveel partners voor als tegen"),
    "no_quorum": _l("te weinig partners stemden (geen quorum)"),
}
RULES = {
    "unanimity": _l("Unanimiteit: alle partners moeten instemmen"),
    "majority": _l("Meerderheid: meer partners voor dan tegen, met quorum"),
}
RULE_EXPLANATIONS = {
    "unanimity": _l(
        "Aangenomen alleen als elke verplichte partner 'eens' stemt. Een onthouding of een "
        "ontbrekende stem telt als niet eens. Wie zich onthoudt wegens belangenverstrengeling, "
        "telt niet mee."
    ),
    "majority": _l(
        "Quorum: meer dan de helft van de verplichte partners stemt. Dan is het besluit "
        "aangenomen als meer partners 'eens' dan 'oneens' stemmen; onthoudingen en ontbrekende "
        "stemmen tellen niet mee. Bij gelijke stemmen is het afgewezen."
    ),
}
TIMELINE_KINDS = {
    "summons": _l("Dagvaarding"),
    "hearing": _l("Zitting"),
    "judgment": _l("Vonnis"),
    "bailiff": _l("Deurwaarder (ontruimingsdatum)"),
    "agreement_deadline": _l("Termijn uit een afspraak"),
    "other": _l("Anders"),
}
TRAJECTORY_STATUSES = {
    "proposed": _l("Voorgesteld"),
    "active": _l("Loopt"),
    "not_adopted": _l("Niet aangenomen"),
}
ASSIGNMENT_STATUSES = {
    "issued": _l("Verstrekt"),
    "executed": _l("Uitgevoerd"),
    "cancelled": _l("Ingetrokken"),
}

#: What the decisions' audit events are called on the auditor's and the case's access pages.
ACTION_LABELS = {
    "decision.opened": _l("Besluit geopend"),
    "decision.prevention_confirmed": _l("Preventiestap bevestigd"),
    "decision.tenant_heard": _l("Vastgelegd hoe de huurder is gehoord"),
    "decision.timeline_added": _l("Gebeurtenis toegevoegd aan de tijdlijn"),
    "decision.voting_opened": _l("Stemming geopend"),
    "decision.vote_cast": _l("Stem uitgebracht"),
    "decision.vote_changed": _l("Stem gewijzigd"),
    "decision.dissent": _l("Afwijkend standpunt vastgelegd"),
    "decision.sealed": _l("Besluit verzegeld"),
    "decision.withdrawn": _l("Besluit ingetrokken"),
    "decision.trajectory_prepared": _l("Traject voorbereid"),
    "decision.trajectory_started": _l("Traject gestart"),
    "decision.assignment_issued": _l("Opdracht gegeven"),
    "decision.tenancy_recorded": _l("Nieuwe huurovereenkomst vastgelegd"),
    "decision.bailiff_instructed": _l("Opdracht aan de deurwaarder vastgelegd"),
    "decision.view": _l("Besluit bekeken"),
    "decision.pdf": _l("Besluit als PDF gedownload"),
}
