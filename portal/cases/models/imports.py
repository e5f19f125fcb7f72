"""An import of the arrears file, run as a background job on the queue (``portal.jobs``).

The row holds the progress and the row-by-row report. Between the upload and the end of the
job it also holds the checked file, sealed with a data key of its own (``sealed_file``), so
an import waits in the queue or survives a restart without its personal data lying anywhere
in the clear; the job destroys that key when it ends, done or failed (crypto-shredding). The
report names lines, columns and case references only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow

#: checking (parsing, in the request) -> queued (waiting for a worker) -> saving -> done |
#: failed (invalid rows, or an error)
JOB_STATUSES = ("queued", "checking", "saving", "done", "failed")


class ImportJob(Base):
    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: The uploader's language: the report's reasons are written in it.
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    #: [{"line": 3, "column": "bsn", "reason": "..."}]: where and why, never a value.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: [{"line": 2, "reference": "KP-2026-000123", "case_id": 7, "action": "created"}]
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last sign of life of the worker; a job silent for long was interrupted.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The checked file, AES-GCM sealed with ``data_key_id`` until the job ends.
    sealed_file: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_key.id"))

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
