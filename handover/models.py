"""Referrals: a case offered to a partner for a purpose, with a package of data categories."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The life cycle. "sent", "accepted" and "in_progress" are active: the recipient sees the
#: package. The others are closed; "escalated" means the next rung took over.
STATUSES = (
    "draft",
    "sent",
    "accepted",
    "in_progress",
    "declined",
    "returned",
    "expired",
    "withdrawn",
    "completed",
    "escalated",
)
ACTIVE = ("sent", "accepted", "in_progress")
CLOSED = ("declined", "returned", "expired", "withdrawn", "completed", "escalated")
#: Closed in a way that asks for the next rung of the ladder.
ESCALATABLE = ("declined", "returned", "expired")
#: What the receiver reports back to the sender.
REPORTS = ("first_contact", "help_started", "help_ended")
OUTCOMES = ("solved", "arrangement", "debt_counselling", "no_result", "refused", "moved")
#: What the receiver found when checking one groundwork item of the package.
CHECKS = ("verified", "disputed")
#: The case's arrears figure, checkable like a groundwork item (``item_id`` is the case id).
ARREARS_ITEM = "arrears"


class Referral(EncryptedRow, Base):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_recipient_status", "recipient_org_id", "status"),
        Index("ix_referral_case_status", "case_id", "status"),
        # ``sla check`` looks for the few referrals of one status past a deadline.
        Index("ix_referral_status_response_due", "status", "response_due_at"),
        Index("ix_referral_status_contact_due", "status", "first_contact_due_at"),
        Index("ix_referral_escalation_due", "status", "escalation_due_at"),
        # The steering page finds the first contacts warned late since its rollup; a
        # referral's page names where the covenant offered it next. Partial: most rows hold
        # NULL there (and SQLite's planner would judge a full index useless).
        Index(
            "ix_referral_overdue_notified_at",
            "overdue_notified_at",
            sqlite_where=text("overdue_notified_at IS NOT NULL"),
            postgresql_where=text("overdue_notified_at IS NOT NULL"),
        ),
        Index(
            "ix_referral_previous",
            "previous_id",
            sqlite_where=text("previous_id IS NOT NULL"),
            postgresql_where=text("previous_id IS NOT NULL"),
        ),
        # The steering figures read a period's referrals from this index alone.
        Index(
            "ix_referral_steering",
            "sent_at",
            "recipient_org_id",
            "sender_org_id",
            "status",
            "case_id",
            "accepted_at",
            "first_contact_at",
            "help_started_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    covenant_version_id: Mapped[int] = mapped_column(ForeignKey("covenant_version.id"))
    purpose: Mapped[str] = mapped_column(String(60))
    sender_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    recipient_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recipient_role: Mapped[str] = mapped_column(String(60))
    #: Position on the purpose's escalation ladder (0 = first rung).
    rung: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: The package: data categories the recipient may see while the referral is active.
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The sender's short handover note (may mention the household: encrypted). It travels
    #: with the identity category: whoever may know who the household is may read what the
    #: sender wrote for them (the form asks to keep it short and factual).
    note: Mapped[Personal] = personal("str", "identity")
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The recipient's contact attempt that was the first contact (its record: date, channel,
    #: note), when the contact was recorded as one rather than reported on its own.
    first_contact_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("contact_attempt.id"))
    help_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(40))
    #: An early signal in a threatening situation (the VNG model's crisissignaal): the
    #: municipality must offer a conversation within the covenant's crisis working days.
    crisis: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The sender already has contact and asks the municipality to pick the tenant up from
    #: there (warmeOverdracht).
    warm_handover: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Set when the SLA check warned that first contact is overdue (warn once).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A referral that ended without help, whose next step is the sender's to choose: by when
    #: (the covenant's ``escalation_days``), and when the coordinating role was alerted that
    #: nobody chose, or that the ladder ran out (alert once).
    escalation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Optimistic lock: two people acting at once produce exactly one outcome.
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    sender: Mapped[Organisation] = relationship(foreign_keys=[sender_org_id])
    recipient: Mapped[Organisation] = relationship(foreign_keys=[recipient_org_id])
    previous: Mapped[Referral | None] = relationship(remote_side=[id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = MappingProxyType({"version_id_col": version})

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status}>"


class ReferralEvent(EncryptedRow, Base):
    """One step in a referral's history: who moved it from which status to which, and why."""

    __tablename__ = "referral_event"
    #: The steering page finds the referrals that changed since its rollup by their events.
    __table_args__ = (Index("ix_referral_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    #: The referral's case again, so retention finds every personal field by case.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    #: Why (a decline, a return, a withdrawal): free text about the household, encrypted.
    reason: Mapped[Personal] = personal("str", "identity")
    #: The data categories an event concerns (a consent that stopped counting names them).
    categories: Mapped[list[str] | None] = mapped_column(JSON)

    referral: Mapped[Referral] = relationship(back_populates="events")
    organisation: Mapped[Organisation | None] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.referral.encryption_key_id() if self.referral is not None else None


class ItemCheck(EncryptedRow, Base):
    """A receiver's word on one groundwork item of its package: verified, or disputed and why.

    One row per referral and item (checking again replaces the verdict; the audit log keeps
    every change). It outlives the referral: the next partner on the ladder sees what still
    holds and what was disputed, so nobody checks the same thing twice.
    """

    __tablename__ = "referral_item_check"
    __table_args__ = (UniqueConstraint("referral_id", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    #: ``GroundworkItem.__item_type__`` (or ``ARREARS_ITEM``) and the item's id.
    item_type: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: What does not hold (free text about the household, encrypted).
    note: Mapped[Personal] = personal("str", "identity")

    referral: Mapped[Referral] = relationship()
    organisation: Mapped[Organisation] = relationship()

    #: Like the referral's own note: readable by whoever may know who the household is.

    def encryption_key_id(self) -> int | None:
        return self.referral.encryption_key_id() if self.referral is not None else None

    @property
    def key(self) -> tuple[str, int]:
        return (self.item_type, self.item_id)
