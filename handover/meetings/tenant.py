"""The tenant's side of a case meeting, on her own case page (``/mijn-zaak``): when and where,
who invites her, what will be discussed in the host's plain words, and her answer. Read in
the page's one ``reveal`` (``handover.my_case``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import tenant
from handover.meetings import minutes
from handover.meetings.forms import AnswerForm
from handover.meetings.models import CaseMeeting, MeetingItem
from portal.access import tenant as tenant_access
from portal.cases.models import Case
from portal.db import utcnow
from portal.extensions import db
from portal.sharing import Revealed, plain
from portal.web import refusal_text, submit

bp = Blueprint("meetings_tenant", __name__)
FIELDS = ("topic", "tenant_answer")


@dataclass(frozen=True)
class Invitation:
    agenda_id: int
    starts_at: datetime
    place: str
    host: str
    topic: str | None
    answer: str | None
    may_answer: bool


def invited_items(session: Session, case: Case) -> list[MeetingItem]:
    """Her invitations: coming meetings and those of the last four weeks."""
    since = utcnow() - timedelta(days=28)
    return list(
        session.scalars(
            select(MeetingItem)
            .join(CaseMeeting, CaseMeeting.id == MeetingItem.meeting_id)
            .where(
                MeetingItem.case_id == case.id,
                MeetingItem.tenant_invited_at.is_not(None),
                CaseMeeting.starts_at >= since,
            )
            .order_by(CaseMeeting.starts_at)
        )
    )


def invitations(items: list[MeetingItem], shown: Revealed) -> tuple[Invitation, ...]:
    now = utcnow()
    return tuple(
        Invitation(
            agenda_id=item.id,
            starts_at=item.meeting.starts_at,
            place=item.meeting.place,
            host=item.meeting.host.name,
            topic=plain(shown.get(item, "topic")),
            answer=plain(shown.get(item, "tenant_answer")),
            may_answer=item.meeting.starts_at > now,
        )
        for item in items
    )


@bp.post("/mijn-zaak/overleg/<int:agenda_id>")
@tenant_access
def answer(agenda_id: int):
    """She says whether she comes (or not); back to her case page."""
    from handover.tenant_views import _signed_in

    me = tenant.actor(_signed_in()["pids"][0])
    item = db.session.get(MeetingItem, agenda_id)
    if item is None or not any(p.id == me.person_id for p in item.case.persons):
        abort(404)
    reply = request.form.get("answer", "")
    outcome = submit(AnswerForm(), lambda: minutes.answer(db.session, me, item, reply))
    if outcome.done:
        flash(_("Dank u. De organisaties weten nu uw antwoord."), "ok")
    else:
        message = refusal_text(outcome.refusal) if outcome.refusal else _("Probeer het opnieuw.")
        flash(message, "error")
    return redirect(url_for("handover_tenant.my_case", _anchor="overleg"), code=303)
