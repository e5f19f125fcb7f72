"""Emergency access ("break the glass"): a partner opens a case nobody referred to it.

One row per use: who opened which case, why (a coded reason and the words of the person who
opened it, encrypted with the case's key), until when, and the privacy officer's verdict.
The access itself is a grant in ``case_grant`` with the same expiry (``portal.grants``), so
the policy point needs nothing new to decide; every look under it is audited as emergency
access (``portal.sharing``: the actor acts "on behalf of" ``emergency:<id>``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The data category of the stated reason and of the review's note (declared in the covenant).
EMERGENCY = "emergency"
#: Why someone is in danger, in codes (words in ``handover.emergency.labels``).
REASONS = ("danger_to_life", "danger_to_others", "child_safety", "homeless_tonight")
VERDICTS = ("justified", "unjustified")


class EmergencyAccess(EncryptedRow, Base):
    __tablename__ = "emergency_access"
    __table_args__ = (
        Index("ix_emergency_access_case", "case_id"),
        Index("ix_emergency_access_review", "owner_org_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The case's owner when it was opened: told at once, and its privacy officer reviews.
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: The covenant's purpose and the role the organisation opened it in.
    purpose: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(60))
    #: What it shows: the purpose's package for the role when it was opened (sorted codes).
    categories: Mapped[str] = mapped_column(String(400))
    reason: Mapped[str] = mapped_column(String(30))
    motivation: Mapped[Personal] = personal("str", EMERGENCY)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Closed before it ran out (by the person who opened it), or after (by the expiry job).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verdict: Mapped[str | None] = mapped_column(String(12))
    review_note: Mapped[Personal] = personal("str", EMERGENCY)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def source(self) -> str:
        """Its name in grants and in the audit log."""
        return f"emergency:{self.id}"

    def running(self, now: datetime) -> bool:
        return self.ended_at is None and self.expires_at > now

    def __repr__(self) -> str:
        return f"<EmergencyAccess {self.id}>"
