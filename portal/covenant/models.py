"""Covenant versions as loaded, and each partner's acceptance of a version.

A version is immutable once loaded: its source text, the SHA-256 of that text and the checked
document never change; only its status moves draft -> active -> superseded. Referrals,
consents and decisions store the ``covenant_version.id`` they were made under.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.db import Base, UTCDateTime, utcnow

STATUSES = ("draft", "active", "superseded")
ACTIVATED_HOW = ("all_accepted", "explicit")


class CovenantVersion(Base):
    __tablename__ = "covenant_version"
    __table_args__ = (
        CheckConstraint("status IN ('draft','active','superseded')", name="known_status"),
        CheckConstraint(
            "activated_how IS NULL OR activated_how IN ('all_accepted','explicit')",
            name="known_activation",
        ),
        # At most one active version, whatever happens concurrently.
        Index(
            "uq_covenant_version_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(Text)
    #: SHA-256 (hex) of the source file's bytes (UTF-8): what partners accept.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: The checked, normalised document (see portal.covenant.document).
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    region: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who loaded it: a user id when a person did, and a label (e.g. "cli:covenant load").
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    loaded_by: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    activated_how: Mapped[str | None] = mapped_column(String(12))
    activation_reason: Mapped[str | None] = mapped_column(Text)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    acceptances: Mapped[list[CovenantAcceptance]] = relationship(
        back_populates="version", order_by="CovenantAcceptance.accepted_at"
    )
    activated_by: Mapped[User | None] = relationship(foreign_keys=[activated_by_id])

    @property
    def partner_slugs(self) -> list[str]:
        return list(self.document.get("partners", {}))


class CovenantAcceptance(Base):
    """An organisation's acceptance of a version, given by one of its admins."""

    __tablename__ = "covenant_acceptance"
    __table_args__ = (UniqueConstraint("version_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("covenant_version.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The document hash the admin saw and accepted (equal to the version's sha256).
    sha256: Mapped[str] = mapped_column(String(64))

    version: Mapped[CovenantVersion] = relationship(back_populates="acceptances")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()
