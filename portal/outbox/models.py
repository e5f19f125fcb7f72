from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(EncryptedRow, Base):
    """One outgoing e-mail. Written with the transaction that caused it, so it is never lost
    and never sent for a change that was rolled back; a worker delivers it afterwards.

    The recipient is personal data (often a tenant's own address) and the body holds a
    secret link or code, so both are encrypted under a data key of the message's own: no
    case owns every message, and its own key can be destroyed the moment the message is
    done. Once sent, or given up on, both fields are cleared and the key is destroyed; what
    stays is delivery metadata (kind, subject, status, attempts, times), which is why the
    subject must never name anyone.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('" + "','".join(STATUSES) + "')", name="known_status"),
    )
    #: Erased by the outbox itself once delivered or failed, not by case retention: a
    #: message belongs to no case (``portal.retention`` skips it).
    __retention__: ClassVar[str] = "on_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    #: The message's own data key (destroyed once the message is done).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_key.id"))
    to_address: Mapped[Personal] = personal("str", "contact")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[Personal] = personal("str", "contact")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The error's type only (an SMTP reply may quote the address).
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def encryption_key_id(self) -> int | None:
        return self.data_key_id
