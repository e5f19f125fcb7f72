"""Groundwork (voorwerk): what was done and learned about a household before a handover.

Every item is its own row with a stable identity (``id`` and ``row_uid``), its data category
(``__category__``, a category code of the covenant), the organisation that recorded it and
when. That is what a handover needs to send the groundwork as a package per category and to
let the receiver mark each item as verified or disputed (left to the handover work, which can
refer to an item as ``(item_type, id)``). Every field about the tenant is encrypted under the
case's data key.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.cases.models.case import Case

#: How someone tried to reach the tenant.
CHANNELS = ("phone", "whatsapp", "email", "letter", "house_visit")
#: What came of it.
OUTCOMES = ("reached", "not_reached", "refused")
#: A letter to the tenant: a payment reminder, a summons (aanmaning), or another letter.
LETTER_KINDS = ("reminder", "summons", "other")
#: A payment arrangement's life.
AGREEMENT_STATUSES = ("proposed", "active", "kept", "broken")
#: Where the household's income comes from.
INCOME_SOURCES = ("wages", "benefit", "pension", "self_employed", "none", "unknown")
#: Whether debt help is already involved.
DEBT_SUPPORT = ("none", "applied", "active", "unknown")
#: The life domains of the life map (levenskaart), in the order the picture draws them.
LIFE_DOMAINS = (
    "finances",
    "housing",
    "health",
    "work_income",
    "family",
    "social_network",
    "daytime",
)
#: How a life domain is going, from good to acute (the picture's scale).
LIFE_STATUSES = ("good", "attention", "worried", "acute")


class GroundworkItem(EncryptedRow):
    """Columns every groundwork item shares: case, who recorded it, and when."""

    #: Stable code of the item type, e.g. for a verification record ``(item_type, id)``.
    __item_type__: ClassVar[str]
    #: The covenant data category the whole item belongs to (its package in a handover).
    __category__: ClassVar[str]

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    #: The organisation that recorded (last changed) the item: whose account it is.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @declared_attr
    def case(cls) -> Mapped[Case]:
        return relationship("Case")

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """The encrypted fields (all of them belong to the item's category)."""
        return tuple(cls.__categories__)


class ContactAttempt(GroundworkItem, Base):
    """One attempt to reach the tenant: by phone, WhatsApp, e-mail, letter or house visit."""

    __tablename__ = "contact_attempt"
    __item_type__ = "contact_attempt"
    __category__ = "contact_history"

    attempted_on: Mapped[Personal] = personal("date")
    channel: Mapped[Personal] = personal("str", choices=CHANNELS)
    outcome: Mapped[Personal] = personal("str", choices=OUTCOMES)
    note: Mapped[Personal] = personal("str")


class Letter(GroundworkItem, Base):
    """A letter sent to the tenant about the arrears.

    Besides the date and kind it records two facts the Wgs asks before a landlord may signal
    the municipality: whether the letter pointed the tenant to debt help (precondition b) and
    whether it offered to pass the tenant's data on to the municipality (precondition d, in a
    written reminder: precondition c). Recorded per letter, so the legal steps are derived
    from what was sent, never ticked off by hand.
    """

    __tablename__ = "letter"
    __item_type__ = "letter"
    __category__ = "contact_history"

    sent_on: Mapped[Personal] = personal("date")
    kind: Mapped[Personal] = personal("str", choices=LETTER_KINDS)
    #: The letter pointed the tenant to debt help (a JSON bool, encrypted).
    points_to_help: Mapped[Personal] = personal("json")
    #: The letter offered to pass the data on to the municipality (a JSON bool, encrypted).
    data_offer: Mapped[Personal] = personal("json")
    note: Mapped[Personal] = personal("str")


class Agreement(GroundworkItem, Base):
    """A payment arrangement with the tenant: an amount per month from a start date."""

    __tablename__ = "agreement"
    __item_type__ = "agreement"
    __category__ = "finances"

    amount_cents: Mapped[Personal] = personal("money")
    starts_on: Mapped[Personal] = personal("date")
    status: Mapped[Personal] = personal("str", choices=AGREEMENT_STATUSES)
    note: Mapped[Personal] = personal("str")


class Finances(GroundworkItem, Base):
    """The household's money situation as far as known: income, debts, debt help."""

    __tablename__ = "finances"
    __table_args__ = (UniqueConstraint("case_id"),)
    __item_type__ = "finances"
    __category__ = "finances"

    income_source: Mapped[Personal] = personal("str", choices=INCOME_SOURCES)
    income_cents: Mapped[Personal] = personal("money")
    debts_cents: Mapped[Personal] = personal("money")
    debts_note: Mapped[Personal] = personal("str")
    debt_support: Mapped[Personal] = personal("str", choices=DEBT_SUPPORT)


class LifeMapEntry(GroundworkItem, Base):
    """One life domain of the life map (levenskaart): how it goes, and a short note."""

    __tablename__ = "life_map_entry"
    __table_args__ = (UniqueConstraint("case_id", "domain"),)
    __item_type__ = "life_map_entry"
    __category__ = "life_map"

    #: A code from ``LIFE_DOMAINS``; that a domain was looked at says nothing on its own.
    domain: Mapped[str] = mapped_column(String(20))
    status: Mapped[Personal] = personal("str", choices=LIFE_STATUSES)
    note: Mapped[Personal] = personal("str")


#: Every kind of groundwork item, for handover packages and verification.
GROUNDWORK_MODELS: tuple[type[GroundworkItem], ...] = (
    ContactAttempt,
    Letter,
    Agreement,
    Finances,
    LifeMapEntry,
)
