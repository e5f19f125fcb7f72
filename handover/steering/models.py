"""The steering figures' rollup: each referral's place in the figures, and their sums.

``handover.steering.rollup`` fills these tables and says how the page uses them. They hold
months, organisation ids, statuses and numbers of days only (no case, no person), so they
read the same before and after retention erased the cases. Being copies, rebuilt whole by the
rollup, they carry no foreign keys.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime


class SteeringRollup(Base):
    """When the rollup was made: the copies and sums below are the referrals as they were at
    ``as_of`` (or later); what changed since is counted on the page."""

    __tablename__ = "steering_rollup"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())


class SteeringReferral(Base):
    """A copy of one referral's place in the figures, as it was when the rollup was made, so
    that the page can take it out of the sums once the referral changed."""

    __tablename__ = "steering_referral"

    referral_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The month it was sent ("2026-11", UTC).
    month: Mapped[str] = mapped_column(String(7))
    sender_org_id: Mapped[int] = mapped_column(Integer)
    recipient_org_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    #: Whole days from the signal (the case opened) to each step, when it was reached.
    accepted: Mapped[int | None] = mapped_column(Integer)
    first_contact: Mapped[int | None] = mapped_column(Integer)
    help_started: Mapped[int | None] = mapped_column(Integer)


class SteeringCount(Base):
    """One sum of a month for one sender and recipient: the referrals sent that month per
    status (``measure`` "status", ``key`` the status) and per whole days to a step
    (``measure`` the step, ``key`` the days), and the deadlines breached that month
    (``measure`` "expired" or "late", no key)."""

    __tablename__ = "steering_count"
    __table_args__ = (
        Index(
            "ix_steering_count_cell",
            "month",
            "sender_org_id",
            "recipient_org_id",
            "measure",
            "key",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    sender_org_id: Mapped[int] = mapped_column(Integer)
    recipient_org_id: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
