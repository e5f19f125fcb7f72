"""The shelter hand-over of an approved eviction: families must not end up on the street.

When the partners approve an eviction, the portal refers the household to the covenant's
shelter point (``[decisions.<kind>] shelter_handover``) with what it needs: the household's
size, how many minors, the planned eviction date. The hand-over row keeps those plain counts
and dates (the people themselves are read on the case, through the policy point, under the
referral's package). Its checklist holds what must be done before that date: shelter
arranged, and with minors the children's school and their care informed; each item ticked by
the organisation responsible, with who and when.

Where and from when the family is sheltered is the shelter point's own administration: its
note is encrypted under the case's key in the covenant's ``shelter`` category and read only
by the organisation that wrote it (``portal.sharing.reveal_recorded``). The corporation sees
that it is arranged, by whom and when; not where.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The data category of the shelter point's notes (declared in the covenant).
SHELTER = "shelter"
#: The checklist, in the order it is shown; school and care only when minors live there.
ITEMS = ("shelter_arranged", "school_informed", "care_informed")
MINOR_ITEMS = ("school_informed", "care_informed")


class ShelterHandover(Base):
    """One per approved eviction whose covenant names a shelter point."""

    __tablename__ = "shelter_handover"
    __table_args__ = (
        Index("ix_shelter_handover_case", "case_id"),
        Index("ix_shelter_handover_org_ready", "organisation_id", "ready_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), unique=True
    )
    #: The referral that carries the package to the shelter point (its inbox, its grant).
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"))
    #: The covenant's purpose it was referred under (``shelter_handover`` of the decision).
    purpose: Mapped[str] = mapped_column(String(60))
    #: The shelter point that prepares it, and the case's owner that waits for it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    #: Counts when the eviction was approved (no names: those are on the case).
    household_size: Mapped[int] = mapped_column(Integer)
    minors: Mapped[int] = mapped_column(Integer)
    #: The eviction date on the decision's timeline when it was approved (``eviction_date``
    #: reads the current one).
    eviction_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the last item that applies was ticked: from then on the bailiff may be instructed.
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    items: Mapped[list[ShelterItem]] = relationship(
        back_populates="handover", order_by="ShelterItem.position", cascade="all, delete-orphan"
    )

    @property
    def ready(self) -> bool:
        return self.ready_at is not None

    def open_items(self) -> list[ShelterItem]:
        return [item for item in self.items if item.done_at is None]

    def __repr__(self) -> str:
        return f"<ShelterHandover {self.id}>"


class ShelterItem(EncryptedRow, Base):
    """One thing to do before the eviction date, by the organisation responsible."""

    __tablename__ = "shelter_item"
    __table_args__ = (UniqueConstraint("handover_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(
        ForeignKey("shelter_handover.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Where and from when (shelter), or whom they spoke to (school, care): the shelter
    #: point's own record, for its eyes only.
    note: Mapped[Personal] = personal("str", SHELTER)

    handover: Mapped[ShelterHandover] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def __repr__(self) -> str:
        return f"<ShelterItem {self.id} {self.item}>"
