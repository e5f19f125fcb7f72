"""Consent records (ISO/IEC TS 27560 as profiled by the W3C Data Privacy Vocabulary, GDPR
art. 7), the requests that ask for them, and the tenant's proof of identity.

* ``ConsentRecord`` is immutable: once written its content never changes (an ORM guard and a
  database trigger refuse an UPDATE). A change of mind is a new record, or an event.
* ``ConsentEvent`` is append-only too: a withdrawal (of some or all categories) or an expiry.
* ``ConsentText`` keeps the exact statement the tenant saw, addressed by its SHA-256.
* ``ConsentRequest`` / ``ConsentInvitation``: what a professional asked, and the links sent.
  A link's token is kept only as its SHA-256.
* ``IdentityChallenge`` / ``IdentityLock``: the one-time code, attempts and the lock.
* ``ConsentAcknowledgement``: a recipient organisation confirming it saw a withdrawal.

Personal fields (representative, notes, the scan of a paper form, a representative's
contact details) are ``EncryptedType`` columns under the case's data key; they are read
through the policy point (``portal.sharing.reveal``), never decrypted here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.cases.models import MANDATES, Case, Person
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: How consent was given (ISO/IEC TS 27560 "collection method").
METHODS = ("online", "verbal", "paper")
#: Who gave it: the person themself or a legal representative.
GIVEN_BY = ("subject", "representative")
#: Where an invitation goes.
CHANNELS = ("email", "sms", "letter")
REQUEST_STATUSES = ("pending", "unconfirmed", "answered", "cancelled")
EVENT_KINDS = ("withdrawn", "expired")


class ConsentText(Base):
    """The exact statement shown when consent was given, in its language (content-addressed).

    Holds no personal data: organisations, purpose, categories and dates only.
    """

    __tablename__ = "consent_text"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsentRequest(EncryptedRow, Base):
    """A professional asks a tenant (or their representative) for consent.

    ``items`` lists what is asked: ``[{"role": code, "organisation_id": id or None,
    "categories": [codes]}]`` (``None``: every organisation that plays the role). A verbal
    consent recorded by one professional waits here (``unconfirmed``) for a second one.
    """

    __tablename__ = "consent_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(10), default="online")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    valid_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    covenant_version_id: Mapped[int] = mapped_column(ForeignKey("covenant_version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    representative_name: Mapped[Personal] = personal("str", "identity")
    representative_mandate: Mapped[Personal] = personal("str", "identity", choices=MANDATES)
    representative_email: Mapped[Personal] = personal("str", "contact")
    representative_phone: Mapped[Personal] = personal("str", "contact")
    notes: Mapped[Personal] = personal("str", "contact_history")

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship()
    invitations: Mapped[list[ConsentInvitation]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ConsentInvitation.id"
    )

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    @property
    def reference(self) -> str:
        """Safe in e-mails, logs and URLs: says nothing about anyone."""
        return f"TV-{self.id:06d}"

    @property
    def has_representative(self) -> bool:
        return self.representative_name is not None


class ConsentInvitation(Base):
    """One link sent for a request, by one channel. Only the token's SHA-256 is stored."""

    __tablename__ = "consent_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("consent_request.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[ConsentRequest] = relationship(back_populates="invitations")

    def state(self, now: datetime) -> str:
        """ "open", "used", "revoked" or "expired" (the request itself may be done too)."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"


class ConsentRecord(EncryptedRow, Base):
    """One consent given: subject, recipient, purpose, categories, basis, text, method, time.

    ISO/IEC TS 27560 / DPV fields: ``person_id`` (data subject), ``recipient_*`` (recipient:
    an organisation, or every organisation in a covenant role), ``purpose``, ``categories``
    (personal data categories), ``legal_basis``, ``text_sha256``/``text_version``/``language``
    (the notice shown), ``method`` (collection method), ``collected_by_id``/``confirmed_by_id``,
    ``given_at``, ``valid_until``, ``covenant_version_id``, and for a legal representative
    ``representative_name``/``representative_mandate``. Withdrawal and expiry are
    ``ConsentEvent`` rows. Immutable.
    """

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_request.id", ondelete="CASCADE"), index=True
    )
    #: Records given together share a receipt (Kantara consent receipt id).
    receipt_id: Mapped[str] = mapped_column(String(36), index=True)
    #: The controller that collected it (the case's owner).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recipient_role: Mapped[str] = mapped_column(String(40))
    recipient_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(40))
    categories: Mapped[list[str]] = mapped_column(JSON)
    #: GDPR basis: art. 6(1)(a), plus art. 9(2)(a) when a special category is included.
    legal_basis: Mapped[str] = mapped_column(String(40))
    text_sha256: Mapped[str] = mapped_column(ForeignKey("consent_text.sha256"))
    text_version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    method: Mapped[str] = mapped_column(String(10))
    given_by: Mapped[str] = mapped_column(String(16), default="subject")
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    covenant_version_id: Mapped[int] = mapped_column(ForeignKey("covenant_version.id"))
    representative_name: Mapped[Personal] = personal("str", "identity")
    representative_mandate: Mapped[Personal] = personal("str", "identity", choices=MANDATES)
    notes: Mapped[Personal] = personal("str", "contact_history")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    recipient_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[recipient_organisation_id]
    )
    collected_by: Mapped[User | None] = relationship(foreign_keys=[collected_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    text: Mapped[ConsentText] = relationship()
    events: Mapped[list[ConsentEvent]] = relationship(
        back_populates="record", order_by="ConsentEvent.id", passive_deletes=True
    )
    evidence: Mapped[list[ConsentEvidence]] = relationship(
        back_populates="record", order_by="ConsentEvidence.id", passive_deletes=True
    )

    #: Consent records are immutable evidence: retention keeps them whole until the case's
    #: data key is shredded (after the longest retention period).
    __retention__: ClassVar[str] = "with_case_key"

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def state(self, now: datetime) -> RecordState:
        """From the loaded ``events`` (the policy queries events itself, uncached)."""
        return state_of(self, self.events, now)


@dataclass(frozen=True)
class Withdrawal:
    """One withdrawal event as receipts show it: which categories stopped, and when."""

    event_id: int
    at: datetime
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RecordState:
    """What a record means at one moment, from the record and its events."""

    categories: tuple[str, ...]
    withdrawn: frozenset[str]
    expired: bool
    ended_at: datetime | None
    #: Every withdrawal, oldest first: receipts say what was withdrawn *when*, not only what.
    withdrawals: tuple[Withdrawal, ...] = field(default=())

    def withdrawn_at(self, category: str) -> datetime | None:
        """When ``category`` was withdrawn (the first withdrawal naming it), or ``None``."""
        return next((w.at for w in self.withdrawals if category in w.categories), None)

    def status_of(self, category: str) -> str:
        """ "valid", "withdrawn", "expired" or "missing" (not in this record)."""
        if category not in self.categories:
            return "missing"
        if category in self.withdrawn:
            return "withdrawn"
        return "expired" if self.expired else "valid"

    @property
    def active(self) -> list[str]:
        return [c for c in self.categories if self.status_of(c) == "valid"]

    @property
    def status(self) -> str:
        """The record as a whole: "valid" (some category counts), "withdrawn" or "expired"."""
        if self.active:
            return "valid"
        return "withdrawn" if set(self.categories) <= self.withdrawn else "expired"


def state_of(record: ConsentRecord, events: Iterable[ConsentEvent], now: datetime) -> RecordState:
    withdrawn: set[str] = set()
    withdrawals: list[Withdrawal] = []
    expired = record.valid_until <= now
    ended_at = None
    for e in sorted(events, key=lambda e: e.id):
        if e.kind == "withdrawn":
            withdrawn |= set(e.categories)
            withdrawals.append(Withdrawal(e.id, e.occurred_at, tuple(e.categories)))
        else:
            expired = True
        if e.ends_record and ended_at is None:
            ended_at = e.occurred_at
    return RecordState(
        tuple(record.categories), frozenset(withdrawn), expired, ended_at, tuple(withdrawals)
    )


class ConsentEvent(Base):
    """Append-only: a withdrawal of some or all of a record's categories, or its expiry."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("consent_record.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    categories: Mapped[list[str]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: How: "online" (the tenant), "verbal" or "paper" (recorded by a professional), "system".
    method: Mapped[str] = mapped_column(String(10))
    given_by: Mapped[str | None] = mapped_column(String(16))
    #: After this event no category of the record counts any more.
    ends_record: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    record: Mapped[ConsentRecord] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class ConsentEvidence(EncryptedRow, Base):
    """The scan of a signed paper consent form (base64, encrypted under the case's key)."""

    __tablename__ = "consent_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("consent_record.id", ondelete="CASCADE"), index=True
    )
    media_type: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[Personal] = personal("str", "identity")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    record: Mapped[ConsentRecord] = relationship(back_populates="evidence")

    #: Consent records are immutable evidence: retention keeps them whole until the case's
    #: data key is shredded (after the longest retention period).
    __retention__: ClassVar[str] = "with_case_key"

    def encryption_key_id(self) -> int | None:
        return self.record.case.data_key_id if self.record is not None else None


class ConsentAcknowledgement(Base):
    """A recipient organisation that received data under a consent must confirm it saw the
    withdrawal or expiry (``acknowledged_at``)."""

    __tablename__ = "consent_acknowledgement"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("consent_event.id", ondelete="CASCADE"), index=True
    )
    record_id: Mapped[int] = mapped_column(
        ForeignKey("consent_record.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    event: Mapped[ConsentEvent] = relationship()
    record: Mapped[ConsentRecord] = relationship()
    organisation: Mapped[Organisation] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()


class IdentityChallenge(Base):
    """A one-time code sent to the tenant's phone or e-mail on file, to be typed back with
    their birth date. ``person_ids`` are the candidates (empty when nobody matched: the
    answer still looks the same). Bound to one browser by ``browser_hash``."""

    __tablename__ = "consent_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "link" (from an invitation) or "return" (back to the tenant's consents later).
    kind: Mapped[str] = mapped_column(String(10))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_invitation.id", ondelete="CASCADE"), index=True
    )
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Candidates a legal representative would act for: person id (as text) -> mandate id.
    mandates: Mapped[dict[str, int] | None] = mapped_column(JSON, default=dict)
    channel: Mapped[str | None] = mapped_column(String(10))
    code_hash: Mapped[str] = mapped_column(String(64))
    browser_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    invitation: Mapped[ConsentInvitation | None] = relationship()


class IdentityLock(Base):
    """Failed identity checks per person, across challenges; locks after a few."""

    __tablename__ = "consent_identity_lock"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


IMMUTABLE = (ConsentText, ConsentRecord, ConsentEvent, ConsentEvidence)


def _refuse_update(mapper: Any, _connection: Any, target: Any) -> None:
    """Refuse any change of a column (a new related row only marks the parent dirty)."""
    state = inspect(target)
    changed = [a.key for a in mapper.column_attrs if state.attrs[a.key].history.has_changes()]
    if changed:
        raise RuntimeError(f"{type(target).__name__} rows are immutable: write a new one instead")


for _model in IMMUTABLE:
    event.listen(_model, "before_update", _refuse_update)
