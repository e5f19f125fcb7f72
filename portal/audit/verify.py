"""Checking the audit chain and its signed checkpoints.

Any edit, deletion, insertion or reordering of sealed events breaks a link; cutting off the
newest events is caught by the head row and by checkpoints signed with a key outside the
database and kept outside it (the checkpoint file).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditHead
from portal.audit.service import HASHED_FIELDS, MERGE_DELAY, chain_hash, oldest_pending
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
    checkpoints = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))
    external = dict(expected or {})
    wanted = {cp.seq for cp in checkpoints} | set(external)
    seen: dict[int, str] = {}
    columns = [getattr(AuditEvent, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")]
    running, next_seq, count = GENESIS_HASH, 1, 0
    broken: Broken | None = None
    rows = session.execute(
        select(*columns)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    for row in rows.mappings():
        count += 1
        seq = row["seq"]
        if seq != next_seq:
            broken = Broken(next_seq, f"event {next_seq} is missing or out of order (found {seq})")
            break
        if row["prev_hash"] != running:
            broken = Broken(seq, "the link to the previous event does not match")
            break
        if chain_hash(running, row) != row["hash"]:
            broken = Broken(seq, "the event was changed after it was written")
            break
        running = row["hash"]
        if seq in wanted:
            seen[seq] = running
        next_seq += 1
        if progress and count % batch == 0:
            progress(batch)
    rows.close()
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
    if broken is None and oldest is not None and (now or utcnow()) - oldest > MERGE_DELAY:
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
