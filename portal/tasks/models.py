"""Tasks on a case: who does something by when, for a partner's "Mijn werk".

A task carries no personal text: what it is about lives, encrypted, in the row it comes from
(an agreement made in a case meeting, a condition of a trajectory), named by ``source``. So a
task can be listed, counted and shown in Mijn werk without a decryption or an audit event,
and the words are read on the source's own page, through the policy point.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.db import Base, UTCDateTime, utcnow


class CaseTask(Base):
    __tablename__ = "case_task"
    __table_args__ = (
        Index("ix_case_task_open", "organisation_id", "kind", "done_at", "cancelled_at", "due_on"),
        Index("ix_case_task_source", "source"),
        Index("ix_case_task_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The partner responsible for it: its Mijn werk shows it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    #: A person at that partner who took it on (optional).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: What kind of task (registered by its room, with its words and its link).
    kind: Mapped[str] = mapped_column(String(40))
    #: The row it comes from, e.g. "meeting_agreement:7".
    source: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None

    def __repr__(self) -> str:
        return f"<CaseTask {self.id} {self.kind}>"
