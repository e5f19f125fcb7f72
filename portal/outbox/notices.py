"""Notices to an organisation's casework staff: what happened, a reference and a link.

An e-mail leaves the portal's protection (it is read on phones, forwarded, kept in other
systems), so a notice carries no personal data: only what happened, the case reference and
a link to log in. Professionals read the chain's notices in Dutch, whoever's action (a
tenant's in Arabic, say) caused them, so the text is rendered in Dutch here, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User, UserRole
from portal.accounts.roles import CASEWORK_ROLES
from portal.outbox.service import enqueue


def casework_addresses(
    session: Session, organisation_ids: Iterable[int], roles: Iterable[str] = CASEWORK_ROLES
) -> list[str]:
    """The addresses of the active users with a casework role (or ``roles``) in these
    organisations."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    users = session.scalars(
        select(User)
        .join(UserRole)
        .where(
            User.organisation_id.in_(ids),
            User.active.is_(True),
            UserRole.role.in_(sorted(roles)),
        )
        .distinct()
    )
    return sorted({user.email for user in users})


def notify_casework(
    session: Session,
    organisation_ids: Iterable[int],
    *,
    subject: str,
    lines: Sequence[str],
    link: str,
    kind: str,
    roles: Iterable[str] = CASEWORK_ROLES,
) -> None:
    """Queue one notice per casework address: the ``lines`` (no personal data: a reference,
    what happened), the ``link`` to look at it and a reminder that logging in shows more."""
    addresses = casework_addresses(session, organisation_ids, roles)
    if not addresses:
        return
    with force_locale("nl"):
        body = "\n".join(
            [
                *lines,
                "",
                _("Bekijk het in het Ketenportaal: %(link)s", link=link),
                "",
                _("Dit bericht bevat geen persoonsgegevens. Log in om meer te zien."),
                "",
            ]
        )
        subject = _("Ketenportaal: %(subject)s", subject=subject)
    for address in addresses:
        enqueue(session, to=address, subject=subject, body=body, kind=kind)
