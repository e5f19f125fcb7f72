"""What the audit events of referrals and joint decisions are called on the auditor's and the
case's access pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "referral.send": _l("Overdracht verstuurd"),
    "referral.accept": _l("Overdracht geaccepteerd"),
    "referral.decline": _l("Overdracht afgewezen"),
    "referral.return": _l("Overdracht teruggegeven"),
    "referral.withdraw": _l("Overdracht ingetrokken"),
    "referral.reopen": _l("Overdracht heropend"),
    "referral.escalate": _l("Doorgezet naar de volgende stap"),
    "referral.expire": _l("Overdracht verlopen"),
    "referral.first_contact": _l("Eerste contact gemeld"),
    "referral.help_started": _l("Start van de hulp gemeld"),
    "referral.help_ended": _l("Einde van de hulp gemeld"),
    "referral.first_contact_overdue": _l("Termijn voor eerste contact verstreken"),
    "referral.item_check": _l("Voorwerk gecontroleerd"),
    "referral.consent_withdrawn": _l("Toestemming ingetrokken voor een deel van het pakket"),
    "referral.consent_expired": _l("Toestemming verlopen voor een deel van het pakket"),
    "decision.opened": _l("Besluit geopend"),
    "decision.prevention_confirmed": _l("Preventiestap bevestigd"),
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
    "decision.view": _l("Besluit bekeken"),
    "decision.pdf": _l("Besluit als PDF gedownload"),
}
