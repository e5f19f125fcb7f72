from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class DataKey(Base):
    """A random 256-bit data key, stored only wrapped by a master-key version.

    One per case. Destroying it (crypto-shredding) removes the wrapped key and sets
    ``destroyed_at``: everything encrypted under it is unreadable for good.
    """

    __tablename__ = "data_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kek_version: Mapped[str] = mapped_column(String(40), index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:  # never the wrapped key
        return f"<DataKey {self.id} {self.kek_version}{' destroyed' if self.destroyed_at else ''}>"
