"""Early signalling's own tables: the tenant's objections, the readiness row per case and
the reports sent to the municipality.

An objection is not consent. The signal rests on a legal duty (Wgs, art. 2 of the Besluit);
the tenant's objection stops it, and is kept in a register of its own so that it is never
mistaken for a consent record that a later request could replace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: Who recorded an objection (or its withdrawal): a caseworker of the corporation, or the
#: tenant herself on the tenant pages.
OBJECTION_SOURCES = ("caseworker", "tenant")

#: The readiness states of a case (``signal_readiness.state``), in the list's filter order.
STATES = ("ready", "missing", "objected", "reported")

#: What a report came to: sent as a referral, or held back as a repeat (amount not risen).
REPORT_OUTCOMES = ("sent", "repeat")


class Objection(EncryptedRow, Base):
    """The tenant objects to her details going to the municipality (bezwaar).

    One active objection per case at most (a partial unique index: two people recording at
    once give one objection). Withdrawing keeps the row, with when and by whom.

    The note's category is ``contact_history``: it records what the tenant told the
    corporation, like a contact attempt's note. It is not identity (which goes to the
    municipality with every signal) and it must not travel with the statutory signal package:
    contact history is shared only on the tenant's consent.
    """

    __tablename__ = "signal_objection"
    __table_args__ = (
        Index(
            "uq_signal_objection_active",
            "case_id",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    source: Mapped[str] = mapped_column(String(12))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_source: Mapped[str | None] = mapped_column(String(12))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: What the tenant said, short (free text about the household: encrypted).
    note: Mapped[Personal] = personal("str", "contact_history")

    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class SignalReadiness(Base):
    """Whether one case may be reported now: a small row without personal data, kept by the
    services whenever something that changes it happens, so the ready list is one index seek
    per page (``ix_signal_readiness_list``), never a computation per case at page time.

    ``missing`` is a bitmask of the steps not met (``service.steps.STEP_BITS``).
    """

    __tablename__ = "signal_readiness"
    __table_args__ = (Index("ix_signal_readiness_list", "organisation_id", "state", "case_id"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    state: Mapped[str] = mapped_column(String(10))
    missing: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SignalReport(EncryptedRow, Base):
    """One report of a case to the municipality in one month: sent (a referral), or held
    back as a repeat because the amount did not rise since the last one sent.

    Unique per case and month: reporting twice (a double click, two caseworkers, two app
    workers) writes one row, and only the writer of that row sends.
    """

    __tablename__ = "signal_report"
    __table_args__ = (UniqueConstraint("case_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: The reporting month, ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7))
    outcome: Mapped[str] = mapped_column(String(10))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The arrears amount as reported (compared with the next month's: the repeat rule).
    amount_cents: Mapped[Personal] = personal("money", "arrears")

    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None


#: queued -> running -> done | failed
JOB_STATUSES = ("queued", "running", "done", "failed")


class SignalReportJob(Base):
    """A large report run in the background, with its progress (like an import job).

    Holds case ids and counts only. Each batch of cases commits on its own: every report is
    complete in itself and unique per case and month, so a job interrupted half-way can simply
    be started again for what is still ready.
    """

    __tablename__ = "signal_report_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    warm_handover: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The chosen cases (ids, not personal); empty for "every ready case".
    case_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    #: Reason code -> how many cases were not sent for it.
    skipped: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, self.processed * 100 // self.total) if self.total else 0
