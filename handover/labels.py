"""Display names of the referral room's codes and audit actions, in the user's language (Dutch
source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: What the referrals' audit events are called on the auditor's and the case's access pages.
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
    "referral.ladder_ended": _l("Geen volgende stap op de ladder: coördinator ingeschakeld"),
    "referral.escalation_overdue": _l(
        "Geen keuze voor de volgende stap binnen de termijn: coördinator ingeschakeld"
    ),
    "referral.item_check": _l("Voorwerk gecontroleerd"),
    "referral.consent_withdrawn": _l("Toestemming ingetrokken voor een deel van het pakket"),
    "referral.consent_expired": _l("Toestemming verlopen voor een deel van het pakket"),
}

#: How the help that followed a referral ended.
OUTCOME_LABELS = {
    "solved": _l("Opgelost: de achterstand is weg"),
    "arrangement": _l("Betalingsregeling getroffen"),
    "debt_counselling": _l("Doorgestuurd naar schuldhulpverlening (minnelijk of Wsnp)"),
    "no_result": _l("Zonder resultaat beëindigd"),
    "refused": _l("Huurder wilde geen hulp"),
    "moved": _l("Huurder is verhuisd"),
}

#: Where a referral stands.
STATUS_LABELS = {
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
