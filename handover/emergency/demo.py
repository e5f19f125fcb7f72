"""The demo's use of emergency access: two days ago the crisis team opened the de Boer
household's case (nobody had referred it), the access ran out by itself, and the
corporation's privacy officer has yet to review it. Seeded through the service, like the
referrals, so it is what a real use leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.emergency import service
from handover.emergency.models import EmergencyAccess
from portal.accounts.models import User
from portal.actor import staff_actor
from portal.covenant.rules import active_version
from portal.db import utcnow

#: The fictional de Boer household (``portal.demo``).
BSN = "231456724"
OPENED_BY = "marieke@crisisteam.example"
WHY = (
    "Buren belden 112: harde ruzie en daarna geen reactie meer. De politie vraagt wie er "
    "in het huis wonen en of er kinderen zijn."
)


def load(session: Session) -> None:
    if active_version(session) is None or session.scalar(select(EmergencyAccess.id).limit(1)):
        return
    user = session.scalar(select(User).where(User.email == OPENED_BY))
    if user is None:
        return
    opened = datetime.combine(utcnow().date() - timedelta(days=2), time(21, 40), tzinfo=UTC)
    service.open_access(
        session,
        staff_actor(user, label="demo"),
        by="bsn",
        values=(BSN,),
        reason="danger_to_life",
        motivation=WHY,
        now=opened,
    )
    service.expire_due(session)
