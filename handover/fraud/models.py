"""Housing-fraud investigations (woonfraude): a sublet home, a tenant who does not live there.

Such an investigation ends in court more often than any other case work, and there a
well-kept file decides it. So everything is on the record in order: the investigation (the
suspicion and, at the end, the outcome with its motivation), its entries by date (findings,
house-visit reports, the tenant's response), its evidence as attachments
(``portal.attachments``, subject ``fraud:<id>``) and the court files assembled from it, each
sealed with the SHA-256 of a canonical record that the hash-chained audit log carries.

Every text is encrypted under the case's data key in the covenant category
``housing_fraud``, which the covenant shares with no partner: only the case's owner works
an investigation. What is known of a subtenant (a third party, often a victim of the
sublet) is in the category ``subtenant``, marked ``third_party`` in the covenant: shared with
nobody, and not shown to the tenant either.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The covenant category of the investigation's texts, entries, evidence and court files.
FRAUD = "housing_fraud"
#: The covenant category of what is known of a subtenant (third-party data).
SUBTENANT = "subtenant"
#: What is suspected (words in ``handover.fraud.labels``).
SUSPICIONS = ("sublet", "not_living_there", "address_fraud", "other")
STATUSES = ("open", "closed")
#: What an entry is: a finding, a house-visit report, the tenant's response.
ENTRY_KINDS = ("finding", "house_visit", "tenant_response")
#: How an investigation ends; each closes it.
OUTCOMES = ("voluntary_termination", "court_procedure", "damages_claim", "unfounded")


class FraudInvestigation(EncryptedRow, Base):
    __tablename__ = "fraud_investigation"
    __table_args__ = (
        Index("ix_fraud_investigation_case", "case_id"),
        Index("ix_fraud_investigation_open", "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The case's owner, which alone works the investigation.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    suspicion: Mapped[str] = mapped_column(String(30))
    #: What gave rise to the suspicion (a neighbour's report, a utility's figures...).
    grounds: Mapped[Personal] = personal("str", FRAUD)
    status: Mapped[str] = mapped_column(String(12), default="open")
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_motivation: Mapped[Personal] = personal("str", FRAUD)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Someone lives in the home without a tenancy (plain: it decides what the page offers).
    subtenant_present: Mapped[bool] = mapped_column(Boolean, default=False)
    subtenant_surname: Mapped[Personal] = personal("str", SUBTENANT)
    subtenant_initials: Mapped[Personal] = personal("str", SUBTENANT)
    subtenant_phone: Mapped[Personal] = personal("str", SUBTENANT)
    subtenant_email: Mapped[Personal] = personal("str", SUBTENANT)
    #: Their situation in a few words (what they paid, whether they have somewhere to go).
    subtenant_note: Mapped[Personal] = personal("str", SUBTENANT)
    #: The case opened for the subtenant's household, to refer it for help.
    subtenant_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL")
    )

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    entries: Mapped[list[FraudEntry]] = relationship(
        back_populates="investigation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(FraudEntry.happened_on, FraudEntry.id)",
    )
    court_files: Mapped[list[CourtFile]] = relationship(
        back_populates="investigation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CourtFile.version",
    )

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def subject(self) -> str:
        """Its name for its attachments (``portal.attachments``)."""
        return f"fraud:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def latest_court_file(self) -> CourtFile | None:
        return self.court_files[-1] if self.court_files else None

    def __repr__(self) -> str:
        return f"<FraudInvestigation {self.id}>"


class FraudEntry(EncryptedRow, Base):
    """One document of the investigation, in order of date. Entries are never edited: what
    turns out wrong is corrected by a later entry, so a sealed court file stays true."""

    __tablename__ = "fraud_entry"
    __table_args__ = (Index("ix_fraud_entry_investigation", "investigation_id", "happened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("fraud_investigation.id", ondelete="CASCADE")
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    happened_on: Mapped[date] = mapped_column(Date)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who made the house visit (house-visit reports only).
    visitors: Mapped[Personal] = personal("str", FRAUD)
    #: What was found, seen or said.
    text: Mapped[Personal] = personal("str", FRAUD)

    investigation: Mapped[FraudInvestigation] = relationship(back_populates="entries")
    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def __repr__(self) -> str:
        return f"<FraudEntry {self.id}>"


class CourtFile(EncryptedRow, Base):
    """One sealed version of the court file: the PDF as it was assembled (encrypted, so it
    can be downloaded again exactly), the canonical record it was sealed with and its hash,
    and the audit event that carries the hash. A later version is a new row; none changes."""

    __tablename__ = "fraud_court_file"
    __table_args__ = (
        UniqueConstraint("investigation_id", "version", name="uq_fraud_court_file_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("fraud_investigation.id", ondelete="CASCADE")
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    sealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The canonical record (JSON without plaintext) and its SHA-256.
    record: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))
    audit_event_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The PDF's SHA-256, size and pages: what the download is checked against.
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[Personal] = personal("bytes", FRAUD)

    investigation: Mapped[FraudInvestigation] = relationship(back_populates="court_files")
    case: Mapped[Case] = relationship()

    #: Evidence for a court: kept whole until the case's data key is shredded.
    __retention__: ClassVar[str] = "with_case_key"

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def __repr__(self) -> str:
        return f"<CourtFile {self.id} v{self.version}>"
