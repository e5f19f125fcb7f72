"""The tenant's own view of the log: who looked at my data, when, and why.

``accesses_for_person`` is the service; ``templates/audit/_tenant_accesses.html`` is the
partial that shows its answer in plain language (B1). The tenant's session belongs to the
consent package, which builds the ``Actor(kind="tenant", person_id=...)`` after the tenant
proved who they are; this module only trusts that actor and answers NotFound for anyone else.

Shown: every event by a professional or by the portal itself that touched personal data of
the tenant's case (an event with data categories): looking, creating, changing, erasing.
Not shown: what the tenant did themself, and events without personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.describe import PORTAL_SYSTEM, Describer
from portal.audit.models import AuditEvent, about_cases
from portal.audit.service import record_read
from portal.cases.models import Person
from portal.errors import NotFound
from portal.workdays import local_date

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class TenantAccess:
    """One line of "who looked at my data". Words are in the tenant's language already."""

    seq: int
    when: datetime
    organisation: str
    #: The organisation's role in the chain (covenant role name), e.g. "Schuldhulpcoach".
    role: str
    #: What happened, e.g. "Bekeek uw gegevens".
    what: str
    #: Which kinds of data, e.g. ["Identiteit", "Contactgegevens"].
    categories: tuple[str, ...]
    #: Why it was allowed, in plain words (the covenant's explanation of the legal basis).
    why: tuple[str, ...]


@dataclass(frozen=True)
class TenantAccessDay:
    """What one organisation did with the tenant's data on one (Dutch) day: one entry on the
    page instead of a line per page view (a busy day of casework is dozens of views)."""

    organisation: str
    day: date
    #: Each thing that happened, in words, with how often, in the order it first happened.
    what: tuple[tuple[str, int], ...]
    categories: tuple[str, ...]
    why: tuple[str, ...]


@dataclass(frozen=True)
class TenantAccessPage:
    accesses: tuple[TenantAccess, ...]
    #: Pass as ``after_seq`` to get the next (older) page; None when there is no more.
    next_after_seq: int | None

    @property
    def days(self) -> tuple[TenantAccessDay, ...]:
        """The accesses per organisation and day, newest first. A day at a page's edge may
        continue on the next page."""
        groups: dict[tuple[str, date], list[TenantAccess]] = {}
        for access in self.accesses:
            groups.setdefault((access.organisation, local_date(access.when)), []).append(access)
        return tuple(
            TenantAccessDay(
                organisation=organisation,
                day=day,
                what=tuple(Counter(a.what for a in reversed(rows)).items()),
                categories=_union(a.categories for a in rows),
                why=_union(a.why for a in rows),
            )
            for (organisation, day), rows in groups.items()
        )


def _union(parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Every value once, in the order first seen."""
    return tuple(dict.fromkeys(value for part in parts for value in part))


def accesses_for_person(
    session: Session,
    actor: Actor,
    person_id: int,
    after_seq: int | None = None,
    limit: int = PAGE_SIZE,
    *,
    lang: str | None = None,
) -> TenantAccessPage:
    """Who used the personal data of ``person_id``'s case, newest first.

    Only the tenant themself (or their representative, as the tenant actor) may ask:
    ``actor.kind == "tenant"`` and ``actor.person_id == person_id``; anyone else gets
    NotFound. ``after_seq`` continues below a previous page's ``next_after_seq``.
    """
    if actor.kind != "tenant" or actor.person_id is None or actor.person_id != person_id:
        raise NotFound()
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    record_read(session, actor, "tenant", person_id=person_id)
    query = select(AuditEvent).where(
        or_(about_cases(person.case_id), AuditEvent.person_id == person_id),
        AuditEvent.categories != "",
        AuditEvent.actor_kind.in_(("staff", "system")),
    )
    if after_seq is not None:
        query = query.where(AuditEvent.id < after_seq)
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    words = Describer.for_events(session, events, lang)
    case_org = person.case.organisation_id
    rows = []
    with force_locale(words.lang):  # the portal's own sentences in the same language
        for event in events:
            system = event.actor_kind == "system"
            rows.append(
                TenantAccess(
                    seq=event.id,
                    when=event.occurred_at,
                    organisation=(
                        str(PORTAL_SYSTEM) if system else words.organisation(event.organisation_id)
                    ),
                    role="" if system else words.chain_roles(event.organisation_id),
                    what=words.tenant_action(event.action),
                    categories=tuple(words.categories(event)),
                    why=tuple(words.tenant_reasons(event, case_org, person.case_id)),
                )
            )
    return TenantAccessPage(tuple(rows), events[-1].id if more and events else None)
