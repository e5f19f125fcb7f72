"""Portal roles: what a person may do in the portal, and every named set of them a rule uses.

Portal roles are not covenant roles (what an organisation does in the chain; those come from
the covenant). The sets live here together so that who may do what reads in one place, and a
rule that needs a set imports it instead of spelling the roles again. Their labels, in the
reader's language, are in ``portal.accounts.labels``.
"""

from __future__ import annotations

#: Every portal role, in the order forms offer them; the database refuses any other.
PORTAL_ROLES: tuple[str, ...] = (
    "caseworker",
    "team_manager",
    "org_admin",
    "covenant_admin",
    "auditor",
)

#: The roles that work cases and so may see a household's personal data (what exactly the
#: covenant decides). Organisation admins, covenant admins and auditors do other work
#: (accounts, the covenant, the audit log) and get no case data for it.
CASEWORK_ROLES = frozenset({"caseworker", "team_manager"})

#: The roles that may read the access history of their own organisation's cases.
HISTORY_ROLES = frozenset({"caseworker", "team_manager", "auditor", "org_admin"})

#: The roles that may use the auditor's view of the audit log and its export.
AUDITOR_ROLES = frozenset({"auditor"})

#: The roles that may read the statistics.
REPORT_ROLES = frozenset({"covenant_admin", "team_manager", "auditor"})

#: The roles an organisation may give a colleague who first signs in through its own sign-in
#: service (never an admin role: those are given by hand), in the order the form offers them.
SSO_DEFAULT_ROLES: tuple[str, ...] = ("caseworker", "team_manager", "auditor")
