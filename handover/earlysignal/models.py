"""The municipality's signal case (the VNG model's Vroegsignaalzaak) and its contact attempts.

One ``EarlySignal`` row per referral sent under the covenant's signalling purpose, made when
the referral is sent (``deadlines.signals_sent``). Its plain columns are what lists, deadlines
and the national monitor need without decrypting anything: the legal deadlines as dates, the
crisis and warm-handover flags (copied from the referral, so the inbox sorts on one index),
when the signal was picked up (datum_opgepakt), the first conversation and the outcome code.
What the municipality writes about the person (its reason, its contact attempts) is
encrypted under the case's key, and only the municipality ever reads it
(``policy.reveal_own``): the corporation that sent the signal learns what
``policy.sender_feedback`` says, nothing more.
"""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handover.models import Referral
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The model's kinds of contact attempt (Contactpoging.soort), in its order.
ATTEMPT_KINDS = (
    "mail",
    "letter",
    "sms_whatsapp",
    "phone",
    "house_visit",
    "card",
    "other",
    "administrative",
)
#: Part of day (dagdeel): morning before 12:00, afternoon 12-18, evening from 18:00.
DAY_PARTS = ("morning", "afternoon", "evening")

#: The model's outcomes (Eindresultaat), in its order.
OUTCOMES = (
    "not_picked_up_repeat",
    "not_picked_up_unjustified",
    "deceased",
    "not_resident",
    "not_picked_up_other",
    "known_to_debt_help",
    "other_trajectory",
    "no_contact",
    "no_response_after_contact",
    "no_help_wanted",
    "already_paid",
    "budget_advice_quick_fix",
    "follow_up_financial",
    "referral_without_contact",
    "follow_up_non_financial",
)
#: Outcomes that mean the signal was not picked up at all.
NOT_PICKED_UP = ("not_picked_up_repeat", "not_picked_up_unjustified", "not_picked_up_other")
#: Outcomes that may come before or after picking up (found in the population register).
EITHER = ("deceased", "not_resident")
#: Outcomes the signalling partner may learn (the model's feedback to the signaller).
SHARED_WITH_SENDER = ("not_picked_up_repeat", "not_picked_up_unjustified", *EITHER)
#: The outcome whose reason the municipality must write down (and never passes on).
REASON_REQUIRED = ("not_picked_up_other",)


class EarlySignal(EncryptedRow, Base):
    """The municipality's case for one early signal: deadlines, pick-up, outcome."""

    __tablename__ = "early_signal"
    __table_args__ = (
        # The inbox: one organisation's open signals, crisis and warm handovers first, then
        # by the deadline that runs now; keyset pages walk this index.
        Index("ix_early_signal_inbox", "recipient_org_id", "closed", "priority", "due_on", "id"),
        # ``sla check``: open signals past a deadline not yet warned about, a range seek.
        Index("ix_early_signal_overdue", "closed", "warned", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), unique=True
    )
    #: The referral's case again, so retention finds every personal field by case.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    recipient_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    warm_handover: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 0 for a crisis signal or a warm handover (taken first), else 1.
    priority: Mapped[int] = mapped_column(Integer, default=1)
    #: The date the partner sent the signal (signaaldatum), on the Dutch calendar.
    signal_date: Mapped[date] = mapped_column(Date)
    #: The first conversation is due by this day (four weeks, or crisis working days).
    conversation_due_on: Mapped[date] = mapped_column(Date)
    first_conversation_on: Mapped[date | None] = mapped_column(Date)
    #: The decision on debt help is due by this day (weeks after the first conversation).
    decision_due_on: Mapped[date | None] = mapped_column(Date)
    #: The deadline that runs now: the conversation's, then the decision's.
    due_on: Mapped[date] = mapped_column(Date)
    #: datum_opgepakt: when the municipality took the signal up.
    picked_up_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    #: The municipality's own reason for its outcome; never shown to the signalling partner.
    reason: Mapped[Personal] = personal("str", "contact_history")
    # What the signal said, kept as the municipality received it: its own administration of
    # the signal (the VNG model's Vroegsignaal and Client), which the national monitor asks
    # for also after the referral closed and the case's package is no longer shared. Of the
    # resident only what the monitor needs: birth date, postcode and house number.
    amount_cents: Mapped[Personal] = personal("money", "arrears")
    arrears_since: Mapped[Personal] = personal("date", "arrears")
    birth_date: Mapped[Personal] = personal("date", "identity")
    postcode: Mapped[Personal] = personal("str", "contact")
    house_number: Mapped[Personal] = personal("str", "contact")
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Set when ``sla check`` warned that the running deadline passed (reset with a new one).
    warned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The debt-help referral the picked-up signal became.
    follow_up_referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Optimistic lock: two people recording an outcome at once produce exactly one.
    version: Mapped[int] = mapped_column(Integer, default=1)

    referral: Mapped[Referral] = relationship(foreign_keys=[referral_id])
    follow_up_referral: Mapped[Referral | None] = relationship(foreign_keys=[follow_up_referral_id])
    attempts: Mapped[list[SignalContactAttempt]] = relationship(
        back_populates="signal",
        order_by="SignalContactAttempt.id",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = MappingProxyType({"version_id_col": version})

    def encryption_key_id(self) -> int | None:
        return self.referral.encryption_key_id() if self.referral is not None else None

    @property
    def picked_up(self) -> bool:
        return self.picked_up_on is not None


class SignalContactAttempt(EncryptedRow, Base):
    """One attempt by the municipality to reach the resident (Contactpoging)."""

    __tablename__ = "early_signal_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("early_signal.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[Personal] = personal("str", "contact_history", choices=ATTEMPT_KINDS)
    #: "yes" or "no": whether the resident was reached (bereikt).
    reached: Mapped[Personal] = personal("str", "contact_history", choices=("yes", "no"))
    attempted_on: Mapped[Personal] = personal("date", "contact_history")
    day_part: Mapped[Personal] = personal("str", "contact_history", choices=DAY_PARTS)

    signal: Mapped[EarlySignal] = relationship(back_populates="attempts")

    def encryption_key_id(self) -> int | None:
        return self.signal.encryption_key_id() if self.signal is not None else None
