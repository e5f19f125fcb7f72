"""The case room's part of "Mijn werk" (``portal.work``): the organisation's open cases still
waiting for a first contact attempt past their date (the partial index of cases awaiting
contact answers it), and signal files imported in the last week."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.cases.models import Case, ImportJob
from portal.i18n import local_datetime
from portal.work import SHOWN, WorkGroup, WorkItem
from portal.workdays import local_date

#: How long a finished import stays on "Mijn werk".
IMPORTS_SHOWN_DAYS = 7


def overdue_first_contact(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    where = (
        Case.organisation_id == actor.organisation_id,
        Case.status == "open",
        Case.contact_due_on.is_not(None),
        Case.contact_due_on < local_date(now),
    )
    count = session.scalar(select(func.count(Case.id)).where(*where)) or 0
    if not count:
        return None
    rows = session.execute(
        select(Case.id, Case.reference, Case.contact_due_on)
        .where(*where)
        .order_by(Case.contact_due_on, Case.id)
        .limit(SHOWN)
    ).all()
    title = _("Open casussen zonder contactpoging op tijd")
    items = tuple(
        WorkItem(
            reference,
            title,
            url_for("cases.show", case_id=case_id, _anchor="contactpogingen"),
            _("Contactpoging vastleggen"),
            due,
        )
        for case_id, reference, due in rows
    )
    more = url_for("cases.inbox", achterstallig="1") if count > len(items) else None
    return WorkGroup("overdue", title, count, items, more, _("Alle te late casussen"))


def finished_imports(session: Session, actor: Actor, now: datetime) -> WorkGroup | None:
    where = (
        ImportJob.organisation_id == actor.organisation_id,
        ImportJob.status.in_(("done", "failed")),
        ImportJob.finished_at >= now - timedelta(days=IMPORTS_SHOWN_DAYS),
    )
    jobs = list(
        session.scalars(select(ImportJob).where(*where).order_by(ImportJob.id.desc()).limit(SHOWN))
    )
    if not jobs:
        return None
    title = _("Imports van de afgelopen week")
    items = tuple(
        WorkItem(
            local_datetime(job.finished_at) if job.finished_at else "",
            _import_outcome(job),
            url_for("cases.import_job", job_id=job.id),
            _("Verslag bekijken"),
        )
        for job in jobs
    )
    return WorkGroup("imports", title, len(items), items)


def _import_outcome(job: ImportJob) -> str:
    if job.status == "failed":
        return _("Niet geïmporteerd")
    if job.errors:
        return ngettext(
            "%(num)s regel niet geïmporteerd", "%(num)s regels niet geïmporteerd", len(job.errors)
        )
    return _("Alles geïmporteerd")
