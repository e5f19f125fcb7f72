from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One event. Never personal data: ids, categories and bases only (NEN 7513 fields)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    #: Which canonical form the hash covers (``service.HASHED``): 1 before the NEN 7513
    #: fields below were added, 2 since. Hashed itself, so a changed version breaks the link.
    version: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="1")
    #: The place in the chain, given by the sealer (``service.seal``); empty while pending.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_label: Mapped[str] = mapped_column(String(80), default="")
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    role: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Data-category codes, sorted and comma-separated (codes never hold a comma).
    categories: Mapped[str] = mapped_column(String(400), default="")
    basis: Mapped[str | None] = mapped_column(String(120))
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    #: Extra non-personal facts as canonical JSON text (sorted keys, compact), so that the
    #: verifier hashes exactly the stored bytes without parsing them.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    #: NEN 7513 / Logboek Dataverwerkingen: the processing activity (its identifier in the
    #: register of processing activities the covenant declares) the data was used for.
    processing_activity: Mapped[str | None] = mapped_column(String(120))
    #: On whose behalf the actor acted, e.g. "mandate:3" (a legal representative),
    #: "emergency:7" (emergency access); empty when the actor acted for themself.
    on_behalf_of: Mapped[str | None] = mapped_column(String(80))
    #: A page that shows many cases writes one event listing them all: canonical JSON
    #: ``[[case_id, basis], ...]`` sorted by case id (hashed); ``audit_subject`` indexes it.
    subjects: Mapped[str] = mapped_column(Text, default="", server_default="")
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        # The sealer's work list: the events still waiting for their place in the chain.
        Index(
            "ix_audit_event_pending",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    subject_rows: Mapped[list[AuditSubject]] = relationship(
        back_populates="event", cascade="save-update", passive_deletes="all"
    )

    @property
    def subject_list(self) -> list[tuple[int, str | None]]:
        """``(case id, basis)`` of each case an event about many cases concerns."""
        return [(case, basis) for case, basis in json.loads(self.subjects)] if self.subjects else []

    @property
    def category_list(self) -> list[str]:
        return self.categories.split(",") if self.categories else []

    @property
    def detail_dict(self) -> dict[str, Any]:
        return json.loads(self.detail)


class AuditSubject(Base):
    """Which cases an event about many cases concerns, to find it by case (a case's access
    history, the tenant's who-looked page). The event's hashed ``subjects`` is the record;
    ``audit verify`` checks that these rows match it."""

    __tablename__ = "audit_subject"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("audit_event.id"),
        primary_key=True,
        index=True,
    )

    event: Mapped[AuditEvent] = relationship(back_populates="subject_rows")


def about_cases(cases: ColumnElement[bool] | Any) -> ColumnElement[bool]:
    """A WHERE clause on ``AuditEvent``: the events about the given case ids (a value, a list
    or a subquery): events about one case name it, an event about many lists it in
    ``audit_subject``."""
    many = select(AuditSubject.event_id)
    if isinstance(cases, int):
        return or_(
            AuditEvent.case_id == cases,
            AuditEvent.id.in_(many.where(AuditSubject.case_id == cases)),
        )
    return or_(
        AuditEvent.case_id.in_(cases),
        AuditEvent.id.in_(many.where(AuditSubject.case_id.in_(cases))),
    )


class AuditHead(Base):
    """The single row holding the chain's end; only the sealer moves it (and locks it first,
    so two sealers queue)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement "the chain had this hash at this sequence number".

    The chain alone cannot show that its newest events were cut off; a checkpoint signed
    with a key that is not in the database can.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditPrune(Base):
    """The log was cut at a signed checkpoint because its older events outlived the
    covenant's audit retention. The database lets sealed events up to ``up_to_seq`` be
    deleted and nothing else; ``audit verify`` then starts the chain at that checkpoint and
    checks it was signed longer ago than the retention allows keeping."""

    __tablename__ = "audit_prune"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    up_to_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    pruned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retention_years: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(BigInteger)
