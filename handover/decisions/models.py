"""Joint decisions: the decision, its voters and votes, the prevention checklist, the shared
eviction timeline, dissents, and what an outcome leads to (an assignment or a trajectory).

Every free text (motivations, notes, conditions) is about a household, so it is encrypted
under the case's data key and shown only through the policy point. Codes, dates and positions
are not personal data and stay plain, so the rules can count them.

Once a decision is sealed its record cannot change: ``_refuse_changes_to_sealed_records``
refuses, at flush time, any change to a sealed decision, its voters, votes, confirmations and
trajectory terms. Dissents are recorded separately and do not alter the seal; the timeline,
the assignment's status and the tenancy agreement of a trajectory live on after the outcome.
"""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import instance_state

from portal.accounts.models import Organisation, User
from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: preparing: the checklist is being confirmed (voters can already read the record);
#: voting: the vote is open until ``deadline_at``; decided: the outcome is sealed;
#: withdrawn: the owner stopped it before the outcome.
STATUSES = ("preparing", "voting", "decided", "withdrawn")
OPEN = ("preparing", "voting")
#: Statuses in which the voters are granted the decision's package (``policy.decision_grants``).
GRANTING = ("preparing", "voting", "decided")
GROUNDS = ("arrears", "nuisance", "fraud")
COURT_STATUSES = ("none", "requested", "judgment")
POSITIONS = ("agree", "disagree", "abstain")
OUTCOMES = ("approved", "refused")
TIMELINE_KINDS = ("summons", "hearing", "judgment", "bailiff", "agreement_deadline", "other")
TRAJECTORY_STATUSES = ("proposed", "active", "not_adopted")
ASSIGNMENT_STATUSES = ("issued", "executed", "cancelled")
#: Whether and how the tenant was heard before the vote ("talk with people, not about them").
HEARD = ("in_person", "in_writing", "declined", "not_reached")

#: Free texts of a decision go with the identity category: every role the covenant lets
#: take part in a decision may know who the household is, and so may read what was written
#: about it in the decision (the forms ask to keep it short and factual).
TEXT_CATEGORY = "identity"


class SealedRecord(RuntimeError):
    """A change to a sealed decision record was attempted (a bug, never a user error)."""


class _OfCase:
    """Rows encrypted under their case's data key, reached through ``case``."""

    def encryption_key_id(self) -> int | None:
        case = getattr(self, "case", None)
        return case.data_key_id if case is not None else None


class Decision(_OfCase, EncryptedRow, Base):
    __tablename__ = "decision"
    __table_args__ = (
        Index("ix_decision_case_status", "case_id", "status"),
        Index("ix_decision_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The covenant version whose rules apply (voters, rule, steps): fixed at opening.
    covenant_version_id: Mapped[int] = mapped_column(ForeignKey("covenant_version.id"))
    #: The covenant's decision code (e.g. an eviction) and its purpose.
    kind: Mapped[str] = mapped_column(String(60))
    purpose: Mapped[str] = mapped_column(String(60))
    #: The owning organisation that opened it (the case's owner at the time).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), default="preparing")
    grounds: Mapped[list[str]] = mapped_column(JSON, default=list)
    court_status: Mapped[str] = mapped_column(String(20), default="none")
    judgment_date: Mapped[date | None] = mapped_column(Date)
    #: Minors in the household when the voters were fixed (care must vote then).
    minors_present: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The owner's case for the decision (about the household: encrypted).
    motivation: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    #: How the tenant was heard (``HEARD``), recorded before the vote opens, and how exactly
    #: (who spoke with her, when, what she said in short): about her, so encrypted.
    tenant_heard: Mapped[str | None] = mapped_column(String(20))
    tenant_heard_note: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    rule: Mapped[str] = mapped_column(String(20))
    voting_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    voting_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: Why, as codes: e.g. ["veto", "not_unanimous"] (see ``outcome.py``).
    outcome_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The count the outcome was computed from.
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The canonical record (JSON text, no plaintext personal data) and its SHA-256.
    sealed_record: Mapped[str | None] = mapped_column(Text)
    seal_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The audit event ``decision.sealed`` that carries the hash in the hash-chained log.
    #: The audit event that carries the seal (its id).
    seal_audit_event_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Optimistic lock: stale buttons are refused; every change bumps it.
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()
    opened_by: Mapped[User | None] = relationship()
    voters: Mapped[list[DecisionVoter]] = relationship(
        back_populates="decision", order_by="DecisionVoter.id", cascade="all, delete-orphan"
    )
    votes: Mapped[list[DecisionVote]] = relationship(
        back_populates="decision", order_by="DecisionVote.id", cascade="all, delete-orphan"
    )
    confirmations: Mapped[list[PreventionConfirmation]] = relationship(
        back_populates="decision",
        order_by="PreventionConfirmation.id",
        cascade="all, delete-orphan",
    )
    dissents: Mapped[list[DecisionDissent]] = relationship(
        back_populates="decision", order_by="DecisionDissent.id", cascade="all, delete-orphan"
    )
    trajectory: Mapped[Trajectory | None] = relationship(
        back_populates="decision", cascade="all, delete-orphan"
    )
    assignment: Mapped[Assignment | None] = relationship(
        back_populates="decision", cascade="all, delete-orphan"
    )

    __mapper_args__ = MappingProxyType({"version_id_col": version})
    #: A sealed decision is a legal record: retention keeps it whole until the case's data key
    #: is shredded (after the longest retention period), instead of erasing field by field.
    __retention__: ClassVar[str] = "with_case_key"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_sealed(self) -> bool:
        return self.seal_hash is not None

    def voter_for(self, organisation_id: int | None) -> DecisionVoter | None:
        return next((v for v in self.voters if v.organisation_id == organisation_id), None)

    def confirmation(self, step: str) -> PreventionConfirmation | None:
        return next((c for c in self.confirmations if c.step == step), None)

    def __repr__(self) -> str:
        return f"<Decision {self.id} {self.kind} {self.status}>"


class DecisionVoter(Base):
    """An organisation that must vote: one vote per organisation, whatever its roles."""

    __tablename__ = "decision_voter"
    __table_args__ = (UniqueConstraint("decision_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: The covenant roles it votes for (usually one).
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The current vote (the latest ``DecisionVote``); None while missing.
    position: Mapped[str | None] = mapped_column(String(20))
    conflict_of_interest: Mapped[bool] = mapped_column(Boolean, default=False)
    voted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Optimistic lock per organisation: two colleagues voting at once, one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)

    decision: Mapped[Decision] = relationship(back_populates="voters")
    organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = MappingProxyType({"version_id_col": version})

    @property
    def recused(self) -> bool:
        return self.position == "abstain" and self.conflict_of_interest


class DecisionVote(_OfCase, EncryptedRow, Base):
    """One vote as cast; a change adds a row, so the history of every position is kept."""

    __tablename__ = "decision_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    voter_id: Mapped[int] = mapped_column(ForeignKey("decision_voter.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    position: Mapped[str] = mapped_column(String(20))
    conflict_of_interest: Mapped[bool] = mapped_column(Boolean, default=False)
    motivation: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decision: Mapped[Decision] = relationship(back_populates="votes")
    voter: Mapped[DecisionVoter] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()

    #: A sealed decision is a legal record: retention keeps it whole until the case's data key
    #: is shredded (after the longest retention period), instead of erasing field by field.
    __retention__: ClassVar[str] = "with_case_key"

    @property
    def case(self) -> Case | None:
        return self.decision.case if self.decision is not None else None


class PreventionConfirmation(_OfCase, EncryptedRow, Base):
    """The owner confirms a required prevention step, with a motivation and the evidence
    the portal showed at that moment (a snapshot of facts, no personal data)."""

    __tablename__ = "decision_prevention"
    __table_args__ = (UniqueConstraint("decision_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(60))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    motivation: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    decision: Mapped[Decision] = relationship(back_populates="confirmations")
    user: Mapped[User | None] = relationship()

    #: A sealed decision is a legal record: retention keeps it whole until the case's data key
    #: is shredded (after the longest retention period), instead of erasing field by field.
    __retention__: ClassVar[str] = "with_case_key"

    @property
    def case(self) -> Case | None:
        return self.decision.case if self.decision is not None else None


class DecisionDissent(_OfCase, EncryptedRow, Base):
    """A partner that was outvoted records its dissent after the outcome (outside the seal)."""

    __tablename__ = "decision_dissent"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decision: Mapped[Decision] = relationship(back_populates="dissents")
    organisation: Mapped[Organisation] = relationship()

    #: A sealed decision is a legal record: retention keeps it whole until the case's data key
    #: is shredded (after the longest retention period), instead of erasing field by field.
    __retention__: ClassVar[str] = "with_case_key"

    @property
    def case(self) -> Case | None:
        return self.decision.case if self.decision is not None else None


class DecisionTimelineEntry(_OfCase, EncryptedRow, Base):
    """A date on the case's shared eviction timeline: court summons, hearing, judgment,
    bailiff, agreement deadlines. Dates are not personal data; the note is."""

    __tablename__ = "decision_timeline_entry"
    __table_args__ = (Index("ix_decision_timeline_case_date", "case_id", "happens_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The decision it was added from (None when the portal added it, e.g. a trajectory end).
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    happens_on: Mapped[date] = mapped_column(Date)
    note: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Trajectory(_OfCase, EncryptedRow, Base):
    """A conditional trajectory (last chance, second chance, behavioural instruction).

    Prepared before the vote: as the proposal of a trajectory decision, or as the alternative
    that applies when an eviction is refused. Its terms are sealed with the decision; it
    becomes active when the outcome says so, and the owner then records the conditional
    tenancy agreement.
    """

    __tablename__ = "decision_trajectory"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: The covenant's decision code of the trajectory (its own decision, or an alternative).
    kind: Mapped[str] = mapped_column(String(60))
    months: Mapped[int] = mapped_column(Integer)
    conditions: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    support_agreement: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    tenancy_signed_on: Mapped[date | None] = mapped_column(Date)
    tenancy_note: Mapped[Personal] = personal("str", TEXT_CATEGORY)
    tenancy_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    tenancy_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decision: Mapped[Decision] = relationship(back_populates="trajectory")
    case: Mapped[Case] = relationship()

    #: A sealed decision is a legal record: retention keeps it whole until the case's data key
    #: is shredded (after the longest retention period), instead of erasing field by field.
    __retention__: ClassVar[str] = "with_case_key"
    #: The terms the partners voted on: sealed with the decision.
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("kind", "months", "conditions", "support_agreement")


class Assignment(Base):
    """The assignment (opdracht) to the corporation to carry out an approved eviction."""

    __tablename__ = "decision_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(20), default="issued")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The corporation gave the bailiff the assignment (the date it did), recorded once; with
    #: minors the covenant may hold it until the shelter hand-over is ready (``policy``).
    bailiff_instructed_on: Mapped[date | None] = mapped_column(Date)
    bailiff_instructed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bailiff_instructed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    decision: Mapped[Decision] = relationship(back_populates="assignment")
    organisation: Mapped[Organisation] = relationship()


# --- the seal holds ---------------------------------------------------------------------------


def _stored(obj: object, attr: str) -> Any:
    """The value ``attr`` had in the database before this flush (None for a new row)."""
    state = instance_state(obj)
    if state.pending or state.transient:
        return None
    getattr(obj, attr)  # load it if expired, so the history knows the stored value
    history = state.attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


def _sealed_parent(obj: object) -> bool:
    decision = getattr(obj, "decision", None)
    return decision is not None and _stored(decision, "seal_hash") is not None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_sealed_records(session: Session, _context: Any, _instances: Any) -> None:
    with session.no_autoflush:
        for obj in [*session.dirty, *session.deleted]:
            if isinstance(obj, Decision) and _stored(obj, "seal_hash") is not None:
                if obj in session.deleted or session.is_modified(obj, include_collections=False):
                    raise SealedRecord(f"decision {obj.id} is sealed")
            elif isinstance(obj, DecisionVoter | DecisionVote | PreventionConfirmation):
                modified = session.is_modified(obj, include_collections=False)
                if _sealed_parent(obj) and (obj in session.deleted or modified):
                    raise SealedRecord(f"{type(obj).__name__} of a sealed decision")
            elif isinstance(obj, Trajectory) and _sealed_parent(obj):
                state = instance_state(obj)
                changed = [f for f in Trajectory.SEALED_FIELDS if state.attrs[f].history.deleted]
                if obj in session.deleted or changed:
                    raise SealedRecord("the terms of a sealed trajectory")
        for obj in session.new:
            if isinstance(
                obj, DecisionVoter | DecisionVote | PreventionConfirmation | Trajectory
            ) and _sealed_parent(obj):
                raise SealedRecord(f"new {type(obj).__name__} for a sealed decision")
