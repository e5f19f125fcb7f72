"""Conditions of a trajectory followed up: what was agreed, who watches it, how it went.

A trajectory's terms are sealed with its decision (``handover.decisions.models.Trajectory``);
what follows lives beside them in new rows, so the seal never changes. Once the trajectory is
active the owner lists its conditions one by one: what (about the household, so encrypted
under the case's key in the trajectory's text category), the partner responsible for following
it, and how often it is reviewed. Each review date is a task of that partner
(``portal.tasks``: source ``condition:<id>``); a review records "kept" or "breached" with a
note and sets the next date. The trajectory's end, kept or broken, is recorded once, with a
date and a motivation: the steering figures count it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handover.decisions.models import TEXT_CATEGORY, Trajectory
from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

REVIEW_RESULTS = ("kept", "breached")
END_RESULTS = ("kept", "broken")
#: The task kind of a review date (``portal.tasks``).
TASK_KIND = "condition_review"


class _OfCase(EncryptedRow):
    """Rows encrypted under their case's data key, reached through ``case``."""

    def encryption_key_id(self) -> int | None:
        case = getattr(self, "case", None)
        return case.data_key_id if case is not None else None


class TrajectoryCondition(_OfCase, Base):
    __tablename__ = "trajectory_condition"
    __table_args__ = (Index("ix_trajectory_condition_trajectory", "trajectory_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("decision_trajectory.id", ondelete="CASCADE")
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The partner that follows it up (its Mijn werk holds the review dates).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    what: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    #: How often it is reviewed, and the first review.
    interval_weeks: Mapped[int] = mapped_column(Integer)
    first_review_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: When the trajectory's end was recorded: no reviews after it.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    trajectory: Mapped[Trajectory] = relationship()
    reviews: Mapped[list[ConditionReview]] = relationship(
        back_populates="condition", order_by="ConditionReview.id", cascade="all, delete-orphan"
    )

    @property
    def source(self) -> str:
        """Its name on its tasks."""
        return f"condition:{self.id}"

    @property
    def breaches(self) -> list[ConditionReview]:
        return [r for r in self.reviews if r.result == "breached"]


class ConditionReview(_OfCase, Base):
    """One review of a condition by the partner responsible: kept or breached, and why."""

    __tablename__ = "condition_review"
    __table_args__ = (Index("ix_condition_review_condition", "condition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory_condition.id", ondelete="CASCADE")
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The review date it answered (its task's deadline), and the day it was reviewed.
    due_on: Mapped[date | None] = mapped_column(Date)
    reviewed_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
    condition: Mapped[TrajectoryCondition] = relationship(back_populates="reviews")


class TrajectoryEnd(_OfCase, Base):
    """How the trajectory ended, recorded once by the owner: kept (completed) or broken."""

    __tablename__ = "trajectory_end"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("decision_trajectory.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    result: Mapped[str] = mapped_column(String(10))
    ended_on: Mapped[date] = mapped_column(Date, index=True)
    motivation: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
    trajectory: Mapped[Trajectory] = relationship()
