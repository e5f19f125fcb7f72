"""Grants as rows: why an organisation other than the owner may see part of a case.

One row per grant, written by the service that gives or ends it (``portal.grants``) and read
by the policy point. Derived data: the records that grant (a referral, a decision) stay the
truth; the table exists so that an index answers "which cases are shared with this
organisation", in case-id order, instead of every list asking every record per case.
Never personal data: ids, codes and category names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class CaseGrant(Base):
    __tablename__ = "case_grant"
    __table_args__ = (
        # One grant per source, organisation and role; leading with the case, it also serves
        # the case's own grants and the cascade when a case row goes.
        UniqueConstraint("case_id", "source", "organisation_id", "recipient_role"),
        # The inbox and every list: the cases shared with an organisation, by case id.
        Index("ix_case_grant_organisation", "organisation_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recipient_role: Mapped[str] = mapped_column(String(60))
    purpose: Mapped[str] = mapped_column(String(60))
    #: The package: category codes, sorted and comma-separated (one canonical text).
    categories: Mapped[str] = mapped_column(String(400), default="")
    #: The record that grants, e.g. "referral:12" or "decision:3" (also named in the audit log).
    source: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Runs out by itself (emergency access); None: until the granting record ends it.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
