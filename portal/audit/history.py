"""Reading the audit log: a case's access history, the auditor's view, the CSV export.

Every list is paginated by keyset on the event id (newest first, ``before`` = the smallest
id already shown), so page 1,000 costs what page 1 costs and concurrent writes never
shift a page. Who may read what is ``portal.audit.policy``; this module only reads (and
records the export, which copies the log out of the portal).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext, ngettext
from sqlalchemy import ColumnElement, Select, literal, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.actor import Actor
from portal.audit.describe import (
    PORTAL_SYSTEM,
    Describer,
    action_label,
    on_behalf_label,
    role_label,
)
from portal.audit.models import AuditEvent, about_cases
from portal.audit.policy import auditor_scope, is_auditor, may_read_history
from portal.audit.service import record, record_read
from portal.cases.models import Case
from portal.errors import NotFound

PAGE_SIZE = 50
EXPORT_BATCH = 1_000
#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class EventPage:
    events: list[AuditEvent]
    #: Pass as ``before`` for the next (older) page; None on the last page.
    next_before: int | None


def _page(session: Session, query: Select, before: int | None, limit: int) -> EventPage:
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows, rows[-1].id if more and rows else None)


# --- a case's access history ------------------------------------------------------------------


def case_accesses(
    session: Session, actor: Actor, case: Case, *, before: int | None = None, limit: int = PAGE_SIZE
) -> EventPage:
    """Everything the log holds about ``case``: who did what, when, on which basis."""
    if not may_read_history(actor, case):
        raise NotFound()
    page = _page(session, select(AuditEvent).where(about_cases(case.id)), before, limit)
    record_read(session, actor, "case_history", case_id=case.id)
    return page


# --- the auditor's view -----------------------------------------------------------------------


def portal_timezone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Europe/Amsterdam")


@dataclass(frozen=True)
class EventFilter:
    """What the auditor asked for; every part optional. Dates are whole days, local time."""

    since: date | None = None
    until: date | None = None
    organisation_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    case_reference: str | None = None
    category: str | None = None

    def as_detail(self) -> dict[str, Any]:
        """For the audit event of an export: the filters, never anything personal."""
        return {
            f.name: str(value) if isinstance(value, date) else value
            for f in fields(self)
            if (value := getattr(self, f.name)) not in (None, "")
        }

    def clauses(self, session: Session) -> list[ColumnElement[bool]]:
        tz = portal_timezone()
        found: list[ColumnElement[bool]] = []
        if self.since:
            found.append(AuditEvent.occurred_at >= datetime.combine(self.since, time(), tz))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), tz)
            found.append(AuditEvent.occurred_at < end)
        if self.organisation_id is not None:
            found.append(AuditEvent.organisation_id == self.organisation_id)
        if self.user_id is not None:
            found.append(AuditEvent.user_id == self.user_id)
        if self.action:
            found.append(AuditEvent.action == self.action)
        if self.case_reference:
            # Any case: the scope decides what is shown, so an unknown or foreign reference
            # simply finds nothing (and says nothing about whether it exists).
            case_id = session.scalar(
                select(Case.id).where(Case.reference == self.case_reference.strip().upper())
            )
            found.append(about_cases(case_id if case_id is not None else -1))
        if self.category:
            # Categories are stored sorted and comma-joined: match one whole code.
            wrapped = literal(",") + AuditEvent.categories + literal(",")
            found.append(wrapped.contains(f",{self.category},", autoescape=True))
        return found


def search_events(
    session: Session,
    actor: Actor,
    filters: EventFilter,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> EventPage:
    """The auditor's view: events in the actor's scope that match ``filters``."""
    query = select(AuditEvent).where(auditor_scope(actor), *filters.clauses(session))
    page = _page(session, query, before, limit)
    record_read(session, actor, "auditor", filters=filters.as_detail())
    return page


def case_references(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.case_id for e in events if e.case_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids)))
    return {row.id: row.reference for row in rows}


def case_cell(event: AuditEvent, references: dict[int, str]) -> str:
    """The case an event is about, or how many for a page that listed many (which ones is
    not shown: they may belong to other organisations)."""
    if event.subjects:
        count = len(event.subject_list)
        return ngettext("%(num)d casus", "%(num)d casussen", count)
    return references.get(event.case_id, "") if event.case_id is not None else ""


def colleague_names(session: Session, actor: Actor) -> dict[int, str]:
    """Display names of the actor's own organisation's users (other organisations' staff are
    shown by organisation and role only)."""
    if actor.organisation_id is None:
        return {}
    rows = session.execute(
        select(User.id, User.display_name)
        .where(User.organisation_id == actor.organisation_id)
        .order_by(User.display_name)
    )
    return {row.id: row.display_name for row in rows}


# --- in words, for the pages -----------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One event as a page shows it: words, never personal data."""

    seq: int
    when: datetime
    organisation: str
    #: The organisation's roles in the chain, from the covenant (e.g. "Schuldhulpcoach").
    chain_role: str
    #: The portal role the person acted in (e.g. "Teamleider").
    role: str
    #: A colleague's name (own organisation only), or what the portal did by itself.
    who: str
    action: str
    action_code: str
    categories: tuple[str, ...]
    bases: tuple[str, ...]
    case_reference: str
    #: NEN 7513: the register identifier of the processing activity, and on whose behalf.
    processing_activity: str = ""
    on_behalf_of: str = ""


def describe(
    session: Session,
    actor: Actor,
    events: list[AuditEvent],
    *,
    names: dict[int, str] | None = None,
    case_id: int | None = None,
) -> list[EventRow]:
    """Events in words for ``actor``, a professional: partners whose involvement is hidden
    by the covenant are not named (nor their role or staff). ``case_id``: the case whose
    history this is (an event about many cases then shows that case's basis)."""
    words = Describer.for_events(
        session, events, viewer_organisation_id=actor.organisation_id or -1
    )
    references = case_references(session, events)
    names = names or {}
    rows = []
    for e in events:
        hidden = words.hidden(e.organisation_id)
        if e.actor_kind == "system":
            who = str(PORTAL_SYSTEM)  # which task (its code) is in the CSV export
        else:
            who = names.get(e.user_id, "") if e.user_id is not None and not hidden else ""
        rows.append(
            EventRow(
                seq=e.id,
                when=e.occurred_at,
                organisation=words.organisation(e.organisation_id),
                chain_role=words.chain_roles(e.organisation_id),
                role="" if hidden else role_label(e.role),
                who=who,
                action=action_label(e.action),
                action_code=e.action,
                categories=tuple(words.categories(e)),
                bases=tuple(words.bases(e, case_id)),
                case_reference=case_cell(e, references),
                processing_activity=e.processing_activity or "",
                on_behalf_of=on_behalf_label(e.on_behalf_of),
            )
        )
    return rows


# --- CSV export -------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one that could start a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
    return buffer.getvalue()


def _iter_scope(
    session: Session, actor: Actor, filters: EventFilter, batch: int
) -> Iterator[list[AuditEvent]]:
    """Matching events in batches, newest first, as detached copies (the session's identity
    map does not grow with a long export)."""
    columns = list(AuditEvent.__table__.columns)
    query = select(*columns).where(auditor_scope(actor), *filters.clauses(session))
    before: int | None = None
    while True:
        page = query if before is None else query.where(AuditEvent.id < before)
        rows = session.execute(page.order_by(AuditEvent.id.desc()).limit(batch)).mappings().all()
        if not rows:
            return
        yield [AuditEvent(**dict(row)) for row in rows]
        before = rows[-1]["id"]


def export_csv(
    session: Session, actor: Actor, filters: EventFilter, *, batch: int = EXPORT_BATCH
) -> Iterator[str]:
    """Record the export, then return the CSV lines as a generator (stream it).

    The event is written now, in the caller's transaction, so the caller commits before the
    first line is sent: an export that was not recorded never leaves the portal.
    """
    if not is_auditor(actor):
        raise NotFound()
    record(session, actor, "audit.export", detail={"filters": filters.as_detail()})
    names = colleague_names(session, actor)
    return _export_lines(session, actor, filters, names, batch)


def _export_lines(
    session: Session, actor: Actor, filters: EventFilter, names: dict[int, str], batch: int
) -> Iterator[str]:
    yield "\ufeff" + _csv_line(
        [
            gettext("volgnummer"),
            gettext("tijdstip (UTC)"),
            gettext("organisatie"),
            gettext("medewerker"),
            gettext("gebruikers-id"),
            gettext("rol"),
            gettext("soort actor"),
            gettext("systeemtaak"),
            gettext("actie"),
            gettext("actie (code)"),
            gettext("casus"),
            gettext("categorieën"),
            gettext("grondslag"),
            gettext("grondslag (code)"),
            gettext("verzoek-id"),
            gettext("netwerk"),
            gettext("details"),
            gettext("verwerkingsactiviteit"),
            gettext("namens"),
            gettext("hash"),
        ]
    )
    for events in _iter_scope(session, actor, filters, batch):
        words = Describer.for_events(session, events, viewer_organisation_id=actor.organisation_id)
        references = case_references(session, events)
        for e in events:
            hidden = words.hidden(e.organisation_id)  # unnamed, and nothing that tells who
            yield _csv_line(
                [
                    e.id,
                    e.occurred_at.isoformat(),
                    words.organisation(e.organisation_id),
                    names.get(e.user_id, "") if e.user_id is not None else "",
                    None if hidden else e.user_id,
                    None if hidden else role_label(e.role),
                    e.actor_kind,
                    e.actor_label,
                    action_label(e.action),
                    e.action,
                    case_cell(e, references),
                    "; ".join(words.categories(e)),
                    "; ".join(words.bases(e)),
                    e.basis,
                    None if hidden else e.request_id,
                    None if hidden else e.client_addr,
                    e.detail,
                    e.processing_activity,
                    e.on_behalf_of,
                    e.hash,
                ]
            )
