"""The case file: the case, its household, its signals and the blind index of its people.

Every personal field is an ``EncryptedType`` column under the case's own data key; views show
it through the policy point (``portal.sharing.reveal``), which decides, audits and decrypts.
Plain columns hold only what the inbox must filter and sort on without decrypting: status,
signal kinds, the signal date and the first-contact deadline.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.crypto.models import DataKey
from portal.db import Base, UTCDateTime, utcnow

#: What brought the case in (signaal).
SIGNAL_KINDS = ("arrears", "nuisance", "housing_fraud", "pollution", "other")
#: Life cycle: a signal opens a case; the first conversation puts it in progress; closing
#: starts the retention periods. The handover work may add steps between these.
CASE_STATUSES = ("open", "in_progress", "closed")
#: Statuses that count as "still open" (for de-duplication, the inbox, "already known").
ACTIVE_STATUSES = ("open", "in_progress")
#: A household member's place in the household (stored encrypted, as a code).
RELATIONS = ("partner", "child", "parent", "other")
#: The category of everything about household members other than the main tenant.
HOUSEHOLD = "household"
#: Where a signal came from.
#: Where a signal came from: the case form, the monthly file, or a partner system's API call.
SIGNAL_SOURCES = ("form", "import", "api")


class Case(EncryptedRow, Base):
    """One household's situation (casus), with its own data key."""

    __tablename__ = "case_file"
    __table_args__ = (
        # The inbox: one organisation's cases of one status, newest first (keyset on id).
        Index("ix_case_file_inbox", "organisation_id", "status", "id"),
        # The same for cases still waiting for a first contact attempt (the "overdue"
        # filter), which are few: a partial index holds only them, with their due date so
        # that the filter is answered from the index (migration 0021 says why).
        Index(
            "ix_case_file_awaiting",
            "organisation_id",
            "status",
            "id",
            "contact_due_on",
            sqlite_where=text("contact_due_on IS NOT NULL"),
            postgresql_where=text("contact_due_on IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human reference, e.g. KP-2026-000123; not personal, safe in URLs and logs.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    signal_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_key.id"), unique=True)
    #: Rent arrears in whole cents (encrypted money).
    arrears_cents: Mapped[Personal] = personal("money", "arrears")
    #: How many months of rent are unpaid (an int, encrypted).
    arrears_months: Mapped[Personal] = personal("json", "arrears")
    #: Since when the arrears run (encrypted date).
    arrears_since: Mapped[Personal] = personal("date", "arrears")
    #: The tenant number in the corporation's rent administration (encrypted).
    tenant_number: Mapped[Personal] = personal("str", "identity")
    #: The date of the first signal: when the case came in (not personal on its own).
    signal_date: Mapped[date | None] = mapped_column(Date)
    #: The day by which a first contact attempt is due; cleared by the first attempt.
    #: Plain so that the inbox can filter "overdue" without decrypting anything.
    contact_due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the case closed; retention periods count from here.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    organisation: Mapped[Organisation] = relationship()
    data_key: Mapped[DataKey] = relationship()
    persons: Mapped[list[Person]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Person.id"
    )
    signal_links: Mapped[list[CaseSignal]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    signals: Mapped[list[Signal]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Signal.id",
    )

    def encryption_key_id(self) -> int | None:
        return self.data_key_id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_erased(self) -> bool:
        """Whether retention crypto-shredded this case's data key (``shred_case``).

        Its personal fields then read as ``Erased`` for good, and nothing can be sealed under
        the key any more: pages hide their edit forms and the services refuse every change,
        instead of failing at the flush.
        """
        from sqlalchemy import inspect, select

        session = inspect(self).session
        if session is None or self.data_key_id is None:
            return False
        # Asked of the table, not the relationship: after a refused change rolled back, the
        # page is still drawn (and a key that never reached the database is not shredded).
        destroyed = session.scalar(
            select(DataKey.destroyed_at).where(DataKey.id == self.data_key_id)
        )
        return destroyed is not None

    @property
    def main_tenant(self) -> Person | None:
        return next((p for p in self.persons if p.is_main_tenant), None)

    def set_signal_kinds(self, kinds: list[str]) -> None:
        """Keep the JSON list and its index table (``case_signal``) in step."""
        self.signal_kinds = list(kinds)
        wanted = set(kinds)
        self.signal_links = [link for link in self.signal_links if link.kind in wanted]
        have = {link.kind for link in self.signal_links}
        self.signal_links.extend(CaseSignal(kind=k) for k in kinds if k not in have)

    def __repr__(self) -> str:
        return f"<Case {self.reference}>"


class CaseSignal(Base):
    """One signal kind of a case, so the inbox can filter on a kind with an index."""

    __tablename__ = "case_signal"
    __table_args__ = (Index("ix_case_signal_kind", "kind", "case_id"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)


class Person(EncryptedRow, Base):
    """A member of a case's household. Every field about the person is encrypted.

    The categories declared below are the main tenant's. Every other member's data (name,
    birth date, BSN, contact details, relation, minor) is ``household``: knowing who the
    tenant is does not mean knowing who lives with them (``category_of``).
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    surname: Mapped[Personal] = personal("str", "identity")
    initials: Mapped[Personal] = personal("str", "identity")
    birth_date: Mapped[Personal] = personal("date", "identity")
    bsn: Mapped[Personal] = personal("str", "identity")
    phone: Mapped[Personal] = personal("str", "contact")
    email: Mapped[Personal] = personal("str", "contact")
    street: Mapped[Personal] = personal("str", "contact")
    house_number: Mapped[Personal] = personal("str", "contact")
    postcode: Mapped[Personal] = personal("str", "contact")
    city: Mapped[Personal] = personal("str", "contact")
    #: Place in the household (a code from ``RELATIONS``), encrypted.
    relation: Mapped[Personal] = personal("str", "household", choices=RELATIONS)
    #: Flagged by hand as under 18 (a JSON bool, encrypted): for a member whose birth date is
    #: unknown. Read it through ``portal.cases.service.is_minor``, which prefers the birth date.
    minor: Mapped[Personal] = personal("json", "household")
    is_main_tenant: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="persons")
    blind_indexes: Mapped[list[BlindIndex]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __blind_indexes__: ClassVar[dict[str, tuple[str, ...]]] = {
        "bsn": ("bsn",),
        "address": ("postcode", "house_number"),
        "email": ("email",),
        "phone": ("phone",),
    }

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def category_of(self, field: str) -> str:
        return type(self).__categories__[field] if self.is_main_tenant else HOUSEHOLD

    @classmethod
    def category_parts(cls, category: str) -> list[tuple[tuple[str, ...], Any]]:
        """The main tenant's fields by their declared category; every other member's fields
        all under ``household`` (the same split as ``category_of``)."""
        main = cls.is_main_tenant.is_(True)
        declared = tuple(sorted(f for f, c in cls.__categories__.items() if c == category))
        parts = [(declared, main)] if declared else []
        if category == HOUSEHOLD:
            parts.append((tuple(sorted(cls.__categories__)), cls.is_main_tenant.is_(False)))
        return parts

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


class Signal(EncryptedRow, Base):
    """One signal that reached the case: from the intake form or a line of an import file.

    A repeated signal for a household with an open case updates that case and adds a row
    here, so the timeline shows every month's arrears figure.
    """

    __tablename__ = "signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    signal_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10))
    import_job_id: Mapped[int | None] = mapped_column(Integer)
    arrears_cents: Mapped[Personal] = personal("money", "arrears")
    arrears_months: Mapped[Personal] = personal("json", "arrears")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="signals")

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None


class CaseReferenceCounter(Base):
    """The last reference number handed out per year; updated before read, like a lock."""

    __tablename__ = "case_reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)
