"""Display names of the accounts room's codes, in the user's language (Dutch source strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "caseworker": _l("Casusregisseur / consulent"),
    "team_manager": _l("Teamleider"),
    "org_admin": _l("Beheerder van de organisatie"),
    "covenant_admin": _l("Convenantbeheerder"),
    "auditor": _l("Privacy / controle (auditor)"),
}
