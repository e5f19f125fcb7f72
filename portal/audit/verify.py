"""Checking the audit chain and its signed checkpoints.

Any edit, deletion, insertion or reordering of sealed events breaks a link; cutting off the
newest events is caught by the head row and by checkpoints signed with a key outside the
database and kept outside it (the checkpoint file).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit.models import (
    GENESIS_HASH,
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    AuditPrune,
    AuditSubject,
)
from portal.audit.retention import MIN_RETENTION_YEARS, years_before
from portal.audit.service import (
    HASHED,
    HASHED_FIELDS,
    MERGE_DELAY,
    chain_hash,
    oldest_pending,
)
from portal.db import utcnow


@dataclass(frozen=True)
class Broken:
    seq: int | None
    reason: str


@dataclass(frozen=True)
class Verdict:
    events: int
    checkpoints: int
    broken: Broken | None
    #: Events still waiting for the sealer, and when the oldest of them was written.
    pending: int = 0
    oldest_pending: datetime | None = None
    #: The newest signed checkpoint (its event and when it was signed), if any.
    last_checkpoint_seq: int | None = None
    last_checkpoint_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_b64decode(seed))


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_keys(seed: str, extra: str = "") -> dict[str, Ed25519PublicKey]:
    keys = [signing_key(seed).public_key()] if seed else []
    keys += [Ed25519PublicKey.from_public_bytes(_b64decode(k)) for k in extra.split(",") if k]
    return {key_id(k): k for k in keys}


def _statement(seq: int, chain: str) -> bytes:
    return f"ketenportaal-audit-checkpoint:{seq}:{chain}".encode()


def checkpoint(session: Session, seed: str) -> AuditCheckpoint | None:
    """Sign the current head (seal first). Returns None when there is nothing new to sign."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    last = session.scalar(select(func.max(AuditCheckpoint.seq)))
    if head.seq == 0 or head.seq == last:
        return None
    key = signing_key(seed)
    row = AuditCheckpoint(
        seq=head.seq,
        hash=head.hash,
        signed_at=utcnow(),
        key_id=key_id(key.public_key()),
        signature=key.sign(_statement(head.seq, head.hash)),
    )
    session.add(row)
    session.flush()
    return row


def checkpoint_line(row: AuditCheckpoint) -> str:
    """How a checkpoint is kept outside the database (``SEQ:HASH signed TIME``)."""
    return f"{row.seq}:{row.hash} signed {row.signed_at:%Y-%m-%dT%H:%M:%SZ}"


def parse_checkpoint(text: str) -> tuple[int, str] | None:
    """``SEQ:HASH`` at the start of a kept line; None for anything else."""
    seq, _sep, rest = text.strip().partition(":")
    chain = rest.split(" ", 1)[0].lower()
    if not seq.isdigit() or len(chain) != 64 or any(c not in "0123456789abcdef" for c in chain):
        return None
    return int(seq), chain


def verify(
    session: Session,
    keys: dict[str, Ed25519PublicKey],
    *,
    batch: int = 20_000,
    progress: Callable[[int], None] | None = None,
    expected: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Walk the sealed chain in sequence order; report the first broken link.

    ``expected`` holds checkpoints kept outside the database (``seq -> hash``: the checkpoint
    file, or lines printed by ``audit checkpoint``): someone who can rewrite the chain can
    also delete the stored checkpoints, but not the copies kept elsewhere. Each must match
    the chain (so a chain cut off before it is caught) and still be stored (so removed
    checkpoints are caught). Events waiting for the sealer longer than ``MERGE_DELAY`` are a
    break too: until sealed, the chain does not protect them.
    """
    now = now or utcnow()
    prune = session.scalars(select(AuditPrune).order_by(AuditPrune.up_to_seq.desc())).first()
    start = prune.up_to_seq if prune else 0
    checkpoints = list(
        session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.seq >= start)
            .order_by(AuditCheckpoint.seq)
        )
    )
    external = {seq: chain for seq, chain in (expected or {}).items() if seq >= start}
    wanted = {cp.seq for cp in checkpoints} | set(external)
    seen: dict[int, str] = {}
    columns = [getattr(AuditEvent, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")]
    running, next_seq, count = GENESIS_HASH, 1, 0
    broken: Broken | None = None
    if prune is not None:
        running, next_seq, seen[start] = prune.hash, start + 1, prune.hash
        broken = _check_prune(prune, checkpoints, now)
    subjects = _SubjectRows(session, start, batch)
    rows = session.execute(
        select(*columns)
        .where(AuditEvent.seq > start)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    for row in rows.mappings() if broken is None else ():
        count += 1
        seq = row["seq"]
        if seq != next_seq:
            broken = Broken(next_seq, f"event {next_seq} is missing or out of order (found {seq})")
            break
        if row["prev_hash"] != running:
            broken = Broken(seq, "the link to the previous event does not match")
            break
        if chain_hash(running, row) != row["hash"] or not _fits_version(row):
            broken = Broken(seq, "the event was changed after it was written")
            break
        if not subjects.match(seq, row["subjects"]):
            broken = Broken(seq, "the cases an event lists do not match its record")
            break
        running = row["hash"]
        if seq in wanted:
            seen[seq] = running
        next_seq += 1
        if progress and count % batch == 0:
            progress(batch)
    rows.close()
    if broken is None and not subjects.done():
        broken = Broken(None, "cases are listed for an event that does not name them")
    subjects.close()
    if progress:
        progress(count % batch)
    if broken is None:
        head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
        if head.seq != next_seq - 1 or head.hash != running:
            broken = Broken(next_seq, "events after the last one were removed (head mismatch)")
    stored = {cp.seq for cp in checkpoints}
    if broken is None:
        for seq, chain in sorted(external.items()):
            if seen.get(seq) != chain.strip().lower():
                broken = Broken(seq, "the chain does not match an externally kept checkpoint")
                break
            if seq not in stored:
                broken = Broken(seq, "a signed checkpoint kept outside was removed from the log")
                break
    if broken is None:
        for cp in checkpoints:
            key = keys.get(cp.key_id)
            if key is None:
                broken = Broken(cp.seq, f"checkpoint signed with unknown key {cp.key_id}")
                break
            try:
                key.verify(cp.signature, _statement(cp.seq, cp.hash))
            except InvalidSignature:
                broken = Broken(cp.seq, "checkpoint signature is not valid")
                break
            if seen.get(cp.seq) != cp.hash:
                broken = Broken(cp.seq, "the chain does not match a signed checkpoint")
                break
    pending = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.seq.is_(None)))
    oldest = oldest_pending(session)
    if broken is None and oldest is not None and now - oldest > MERGE_DELAY:
        broken = Broken(None, f"{pending} events waited longer than {MERGE_DELAY} for the sealer")
    last = checkpoints[-1] if checkpoints else None
    return Verdict(
        events=count,
        checkpoints=len(checkpoints),
        broken=broken,
        last_checkpoint_seq=last.seq if last else None,
        last_checkpoint_at=last.signed_at if last else None,
        pending=pending or 0,
        oldest_pending=oldest,
    )


#: Per version of the canonical form, the fields it does not cover (added later).
_LATER = {
    v: [n for n in HASHED_FIELDS if n not in (*fields, "version")] for v, fields in HASHED.items()
}


def _fits_version(row: Mapping[Any, Any]) -> bool:
    """An event of an older canonical form has none of the fields added later: its hash
    does not cover them, so a value there was written afterwards."""
    return not any(row[name] for name in _LATER[row["version"] or 1])


def _check_prune(
    prune: AuditPrune, checkpoints: list[AuditCheckpoint], now: datetime
) -> Broken | None:
    """The log may start after its first event only at a signed checkpoint (its signature is
    checked with the others) signed longer ago than the retention it was pruned under."""
    mark = next((cp for cp in checkpoints if cp.seq == prune.up_to_seq), None)
    if mark is None or mark.hash != prune.hash:
        return Broken(prune.up_to_seq, "the log was cut where no signed checkpoint is")
    years = max(prune.retention_years, MIN_RETENTION_YEARS)
    if mark.signed_at > years_before(now, years):
        return Broken(prune.up_to_seq, f"events younger than {years} years were removed")
    return None


class _SubjectRows:
    """``audit_subject`` in the chain's order, read beside the events (a merge walk), so a
    removed, added or changed row is found without holding them all in memory."""

    def __init__(self, session: Session, start: int, batch: int) -> None:
        self._result = session.execute(
            select(AuditEvent.seq, AuditSubject.case_id)
            .join(AuditEvent, AuditEvent.id == AuditSubject.event_id)
            .where(AuditEvent.seq > start)
            .order_by(AuditEvent.seq, AuditSubject.case_id)
            .execution_options(yield_per=batch)
        )
        self._rows = iter(self._result.tuples())
        self._next: tuple[Any, int] | None = next(self._rows, None)

    def match(self, seq: int, listed: str) -> bool:
        found = []
        while self._next is not None and self._next[0] <= seq:
            if self._next[0] < seq:
                return False
            found.append(self._next[1])
            self._next = next(self._rows, None)
        return found == sorted(case for case, _basis in json.loads(listed)) if listed else not found

    def done(self) -> bool:
        return self._next is None

    def close(self) -> None:
        self._result.close()
