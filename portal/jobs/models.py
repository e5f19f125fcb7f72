"""One row per run of a background job: the queue's memory of what ran, where and how.

The row is written by the worker that takes the message, before the job starts, under a
unique ``run_id`` that came with the message. A second delivery of the same message (a
broker redelivers when it lost sight of a worker) finds the row and leaves the job alone,
so each job runs once; a run whose worker died is taken over once its time limit passed.
The summary is counts and names only (``portal.jobs.registry``): never personal data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow

#: running -> done | failed
RUN_STATUSES = ("running", "done", "failed")


class JobRun(Base):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), default="running")
    #: Which process ran it: host name and process id.
    worker: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: What it did, in counts ("expired: 2"), or the error's type name.
    summary: Mapped[str] = mapped_column(String(200), default="")
