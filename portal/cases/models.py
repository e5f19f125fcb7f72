"""The kernel's case file: the case, its household, and the blind index of its people.

Every personal field is an ``EncryptedType`` column under the case's own data key; read it
with ``portal.crypto.fields.decrypt_field`` (through the policy point once it exists).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.crypto.fields import EncryptedRow, EncryptedType, Sealed
from portal.crypto.models import DataKey
from portal.db import Base, UTCDateTime, utcnow

#: What brought the case in (signaal).
SIGNAL_KINDS = ("arrears", "nuisance", "housing_fraud", "pollution", "other")
#: Life cycle; the intake and handover work will add steps between these two.
CASE_STATUSES = ("open", "closed")


class Case(EncryptedRow, Base):
    """One household's situation (casus), with its own data key."""

    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human reference, e.g. KP-2026-000123; not personal, safe in URLs and logs.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    signal_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_key.id"), unique=True)
    #: Rent arrears in whole cents (encrypted money).
    arrears_cents: Mapped[Sealed | None] = mapped_column(EncryptedType("money"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the case closed; retention periods count from here.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    organisation: Mapped[Organisation] = relationship()
    data_key: Mapped[DataKey] = relationship()
    persons: Mapped[list[Person]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Person.id"
    )

    #: The data category of each personal field, for the policy point (``portal.sharing``).
    __categories__: ClassVar[dict[str, str]] = {"arrears_cents": "finances"}

    def encryption_key_id(self) -> int | None:
        return self.data_key_id

    def __repr__(self) -> str:
        return f"<Case {self.reference}>"


class Person(EncryptedRow, Base):
    """A member of a case's household. Every field about the person is encrypted."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    surname: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    initials: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    birth_date: Mapped[Sealed | None] = mapped_column(EncryptedType("date"))
    bsn: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    phone: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    email: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    street: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    house_number: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    postcode: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    city: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))
    is_main_tenant: Mapped[bool] = mapped_column(Boolean, default=False)
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="persons")
    blind_indexes: Mapped[list[BlindIndex]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __categories__: ClassVar[dict[str, str]] = {
        "surname": "identity",
        "initials": "identity",
        "birth_date": "identity",
        "bsn": "identity",
        "phone": "contact",
        "email": "contact",
        "street": "contact",
        "house_number": "contact",
        "postcode": "contact",
        "city": "contact",
    }

    __blind_indexes__: ClassVar[dict[str, tuple[str, ...]]] = {
        "bsn": ("bsn",),
        "address": ("postcode", "house_number"),
        "email": ("email",),
        "phone": ("phone",),
    }

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def set_blind_index(self, index_field: str, digest: str | None) -> None:
        entry = next((e for e in self.blind_indexes if e.field == index_field), None)
        if digest is None:
            if entry is not None:
                self.blind_indexes.remove(entry)
        elif entry is None:
            self.blind_indexes.append(BlindIndex(field=index_field, digest=digest))
        else:
            entry.digest = digest

    def __repr__(self) -> str:  # never a name
        return f"<Person {self.id}>"


class BlindIndex(Base):
    """Digest of one normalised person field (blind index): exact look-ups, no plaintext."""

    __tablename__ = "blind_index"
    __table_args__ = (
        UniqueConstraint("person_id", "field"),
        Index("ix_blind_index_lookup", "field", "digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(32))


class CaseReferenceCounter(Base):
    """The last reference number handed out per year; updated before read, like a lock."""

    __tablename__ = "case_reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)
