"""Display texts for the codes of joint decisions (Dutch source, translated by Flask-Babel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from handover.forms import OUTCOME_LABELS as REFERRAL_OUTCOMES

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
REFERRAL_STATUSES = {
    "draft": _l("Concept"),
    "sent": _l("Wacht op acceptatie"),
    "accepted": _l("Geaccepteerd"),
    "in_progress": _l("In behandeling"),
    "declined": _l("Afgewezen"),
    "returned": _l("Teruggegeven"),
    "expired": _l("Verlopen"),
    "withdrawn": _l("Ingetrokken"),
    "completed": _l("Afgerond"),
    "escalated": _l("Doorgezet naar volgende stap"),
}

__all__ = [
    "ASSIGNMENT_STATUSES",
    "COURT_STATUSES",
    "GROUNDS",
    "OUTCOMES",
    "POSITIONS",
    "REASONS",
    "REFERRAL_OUTCOMES",
    "REFERRAL_STATUSES",
    "RULES",
    "RULE_EXPLANATIONS",
    "STATUSES",
    "TIMELINE_KINDS",
    "TRAJECTORY_STATUSES",
]
