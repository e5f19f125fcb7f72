from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow

STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    """One outgoing e-mail. Written with the transaction that caused it, so it is never lost
    and never sent for a change that was rolled back; a worker delivers it afterwards.

    The body holds a reference and a link only; it is blanked once the message is sent.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('" + "','".join(STATUSES) + "')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The error's type only (an SMTP reply may quote the address).
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
