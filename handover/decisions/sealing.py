"""The seal of a decided decision: its canonical record and the SHA-256 that fixes it.

The record is everything the outcome rests on, as plain data without personal data (texts
appear as the hash of their ciphertexts), written once as canonical JSON when the vote
closes; its hash goes into the hash-chained audit log (``decision.sealed``). Recomputing the
record from the rows later shows whether anything changed (``verify_seal``, the page and
``flask decisions verify``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from handover.decisions.models import Decision
from portal.actor import Actor
from portal.audit.service import canonical_json, record
from portal.covenant.models import CovenantVersion
from portal.covenant.rules import covenant_of
from portal.crypto.fields import Personal, Sealed

#: The version of the canonical record's layout (part of what is hashed).
RECORD_FORMAT = 1


def _digest(value: Personal) -> str | None:
    """SHA-256 of a stored ciphertext: the seal covers the exact bytes, never plaintext."""
    return hashlib.sha256(value.blob).hexdigest() if isinstance(value, Sealed) else None


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def canonical_record(session: Session, decision: Decision) -> dict[str, Any]:
    """Everything the outcome rests on, as plain data: what the seal hashes.

    Texts appear as the SHA-256 of their ciphertexts (bound to their row and the case key),
    so the record holds no personal data and any change to a text breaks the seal.
    """
    version = session.get_one(CovenantVersion, decision.covenant_version_id)
    covenant = covenant_of(version)
    voting = covenant.voters(decision.kind, minors_present=decision.minors_present)
    steps = covenant.required_prevention_steps(decision.kind)
    trajectory = decision.trajectory
    # How the tenant was heard joined the record later: a decision from before has none, and
    # its record (and seal) stays as it was.
    heard = (
        {
            "tenant_heard": {
                "how": decision.tenant_heard,
                "note": _digest(decision.tenant_heard_note),
            }
        }
        if decision.tenant_heard is not None
        else {}
    )
    return {
        "format": RECORD_FORMAT,
        "decision": decision.id,
        "case": decision.case.reference,
        "kind": decision.kind,
        "purpose": decision.purpose,
        "covenant": {"version": version.number, "sha256": version.sha256},
        "opened": {
            "organisation": decision.organisation.slug,
            "user": decision.opened_by_id,
            "at": _iso(decision.created_at),
            "motivation": _digest(decision.motivation),
        },
        "grounds": sorted(decision.grounds),
        "court": {"status": decision.court_status, "judgment_date": _iso(decision.judgment_date)},
        "minors_present": decision.minors_present,
        **heard,
        "rule": {
            "rule": decision.rule,
            "required_roles": list(voting.required_roles),
            "veto_roles": list(voting.veto_roles),
            "voting_days": decision.voting_days,
            "voting_opened_at": _iso(decision.voting_opened_at),
            "deadline_at": _iso(decision.deadline_at),
        },
        "prevention": [
            {
                "step": c.step,
                "organisation": c.organisation_id,
                "user": c.user_id,
                "at": _iso(c.confirmed_at),
                "motivation": _digest(c.motivation),
                "evidence": c.evidence,
            }
            for step in steps
            if (c := decision.confirmation(step)) is not None
        ],
        "trajectory": None
        if trajectory is None
        else {
            "kind": trajectory.kind,
            "months": trajectory.months,
            "conditions": _digest(trajectory.conditions),
            "support_agreement": _digest(trajectory.support_agreement),
        },
        "voters": [
            {
                "organisation": v.organisation.slug,
                "roles": list(v.roles),
                "veto": v.veto,
                "position": v.position,
                "conflict_of_interest": v.conflict_of_interest,
                "votes": [
                    {
                        "vote": vote.id,
                        "user": vote.user_id,
                        "position": vote.position,
                        "conflict_of_interest": vote.conflict_of_interest,
                        "at": _iso(vote.cast_at),
                        "motivation": _digest(vote.motivation),
                    }
                    for vote in decision.votes
                    if vote.voter_id == v.id
                ],
            }
            for v in sorted(decision.voters, key=lambda v: v.organisation.slug)
        ],
        "outcome": {
            "result": decision.outcome,
            "reasons": list(decision.outcome_reasons),
            "tally": dict(decision.tally),
            "closed_at": _iso(decision.closed_at),
        },
    }


def record_hash(record_text: str) -> str:
    return hashlib.sha256(record_text.encode("ascii")).hexdigest()


def seal(session: Session, decision: Decision, actor: Actor, now: datetime) -> None:
    """Write the record and its hash once, linked to the audit event that carries the hash."""
    session.flush()  # every text is a ciphertext now
    text = canonical_json(canonical_record(session, decision))
    digest = record_hash(text)
    event = record(
        session,
        actor,
        "decision.sealed",
        case_id=decision.case_id,
        categories=[],
        detail={
            "decision": decision.id,
            "hash": digest,
            "outcome": decision.outcome,
            "reasons": decision.outcome_reasons,
        },
    )
    session.flush()  # the event's id
    # One write: from the next flush on, the record cannot change.
    decision.sealed_record = text
    decision.seal_hash = digest
    decision.sealed_at = now
    decision.seal_audit_event_id = event.id
    session.flush()


@dataclass(frozen=True)
class SealCheck:
    intact: bool
    #: The stored record matches the rows as they are now.
    record_matches: bool
    #: The stored record matches the stored hash.
    hash_matches: bool


def verify_seal(session: Session, decision: Decision) -> SealCheck:
    """Recompute the record from the rows and compare it with the stored record and hash."""
    if decision.seal_hash is None or decision.sealed_record is None:
        return SealCheck(False, False, False)
    now_text = canonical_json(canonical_record(session, decision))
    hash_ok = record_hash(decision.sealed_record) == decision.seal_hash
    record_ok = now_text == decision.sealed_record
    return SealCheck(hash_ok and record_ok, record_ok, hash_ok)
