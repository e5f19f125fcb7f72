"""Case meetings (casusoverleg): a host organisation's meeting with an agenda of its cases.

Per agenda item the host invites partners as the covenant's ``case_meeting`` purpose allows
(an invited partner gets a grant for that purpose's package of its role while the item is
open: ``source`` ``meeting_item:<id>``), and the tenant, who reads on her own page what will
be discussed in plain words and says whether she comes. The minutes and the agreements are
encrypted under the case's key in the covenant's ``case_meeting`` category; an agreement is a
task (``portal.tasks``) for the partner who owns it. Guests from outside the covenant sign a
confidentiality statement before the meeting's case data are shown with them present.

The meeting itself (when, where, who hosts) holds nothing about a tenant: plain columns.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The covenant's purpose and data category of case meetings.
PURPOSE = "case_meeting"
CATEGORY = "case_meeting"
#: An agreement's task in its owner's Mijn werk (``portal.tasks``).
TASK_KIND = "meeting_agreement"
#: The tenant's answer to her invitation.
ANSWERS = ("coming", "not_coming")


class CaseMeeting(Base):
    __tablename__ = "case_meeting"
    __table_args__ = (Index("ix_case_meeting_host", "host_org_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    host: Mapped[Organisation] = relationship()
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting", order_by="MeetingItem.position"
    )
    guests: Mapped[list[MeetingGuest]] = relationship(
        back_populates="meeting", order_by="MeetingGuest.id"
    )

    @property
    def unsigned_guests(self) -> list[MeetingGuest]:
        return [g for g in self.guests if g.signed_at is None]

    def __repr__(self) -> str:
        return f"<CaseMeeting {self.id}>"


class MeetingItem(EncryptedRow, Base):
    """One case on the agenda."""

    __tablename__ = "meeting_item"
    __table_args__ = (
        UniqueConstraint("meeting_id", "case_id", name="uq_meeting_item_case"),
        Index("ix_meeting_item_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("case_meeting.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: What will be discussed, in plain words (B1) for the tenant.
    topic: Mapped[Personal] = personal("str", CATEGORY)
    tenant_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tenant_answer: Mapped[Personal] = personal("str", CATEGORY, choices=ANSWERS)
    tenant_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[Personal] = personal("str", CATEGORY)
    minutes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Discussed and closed: the invited partners' grants end.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[CaseMeeting] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()
    invitees: Mapped[list[MeetingInvitee]] = relationship(
        back_populates="item", order_by="MeetingInvitee.id"
    )
    agreements: Mapped[list[MeetingAgreement]] = relationship(
        back_populates="item", order_by="MeetingAgreement.id"
    )

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def source(self) -> str:
        """Its name in grants and in the audit log."""
        return f"meeting_item:{self.id}"

    def __repr__(self) -> str:
        return f"<MeetingItem {self.id}>"


class MeetingInvitee(Base):
    """A partner invited to discuss one case, in the covenant role it is invited in."""

    __tablename__ = "meeting_invitee"
    __table_args__ = (UniqueConstraint("item_id", "organisation_id", name="uq_meeting_invitee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_item.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(60))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    item: Mapped[MeetingItem] = relationship(back_populates="invitees")
    organisation: Mapped[Organisation] = relationship()


class MeetingAgreement(EncryptedRow, Base):
    """What was agreed on one case: the words here, the owner and deadline in its task."""

    __tablename__ = "meeting_agreement"
    __table_args__ = (Index("ix_meeting_agreement_item", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_item.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    due_on: Mapped[date] = mapped_column(Date)
    text: Mapped[Personal] = personal("str", CATEGORY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    item: Mapped[MeetingItem] = relationship(back_populates="agreements")
    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def source(self) -> str:
        return f"meeting_agreement:{self.id}"


class MeetingGuest(Base):
    """Someone at the table from outside the covenant (a school's mentor, an interpreter):
    a professional's work name, not a tenant's data. The confidentiality statement is signed
    on the host's screen; who recorded it and when are kept."""

    __tablename__ = "meeting_guest"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("case_meeting.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    organisation_name: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    meeting: Mapped[CaseMeeting] = relationship(back_populates="guests")
