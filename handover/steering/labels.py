"""The steering figures' measures in words (Dutch source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MONTHLY_LABELS = {
    "signals": _l("Signalen"),
    "cases_opened": _l("Casussen geopend"),
    "cases_closed": _l("Casussen gesloten"),
    "referrals_sent": _l("Overdrachten verstuurd"),
    "deadline_breaches": _l("Termijnen overschreden"),
    "decisions_taken": _l("Besluiten genomen"),
}
RESULT_LABELS = {
    "running": _l("Loopt nog"),
    "completed": _l("Afgerond"),
    "declined": _l("Afgewezen"),
    "returned": _l("Teruggegeven"),
    "expired": _l("Verlopen"),
    "escalated": _l("Doorgezet naar volgende stap"),
    "withdrawn": _l("Ingetrokken"),
}
DURATION_LABELS = {
    "accepted": _l("Van signaal tot acceptatie"),
    "first_contact": _l("Van signaal tot eerste contact"),
    "help_started": _l("Van signaal tot start van de hulp"),
}
YEARLY_LABELS = {
    "evictions_approved": _l("Ontruimingen goedgekeurd"),
    "evictions_prevented": _l("Ontruimingen voorkomen"),
    "evictions_executed": _l("Ontruimingen uitgevoerd"),
    "trajectories_started": _l("Laatstekanstrajecten gestart"),
    "trajectories_ended": _l("Laatstekanstrajecten afgelopen"),
    "trajectories_kept": _l("Trajecten goed afgerond"),
    "trajectories_broken": _l("Trajecten verbroken"),
}
