"""Enqueue e-mail inside the business transaction; deliver it afterwards, safely in parallel.

``enqueue`` only adds a row: if the transaction rolls back, no e-mail exists; if it commits,
the e-mail survives any crash until a worker has sent it. ``deliver_pending`` is that worker:
it claims a batch (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, an atomic
``UPDATE ... WHERE status = 'pending'`` on SQLite), commits the claim, sends, and records
the result; a failure is retried with exponential back-off until ``OUTBOX_MAX_ATTEMPTS``.
Delivery is at least once: a worker that dies after sending but before recording lets the
message be claimed again once its claim is stale.

The recipient and the body are encrypted (``OutboxMessage``); ``recipient`` is the one place
that reads the address. A message that is sent, or given up on, is erased: both fields are
cleared and its data key destroyed in the transaction that records the outcome.
"""

from __future__ import annotations

import copy
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portal.crypto.fields import decrypt_field, preload_keys
from portal.crypto.service import create_data_key, destroy_data_key
from portal.db import utcnow
from portal.masking import mask_email
from portal.outbox.models import OutboxMessage

#: A claim older than this belongs to a worker that died; the message may be claimed again.
STALE_CLAIM = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)

Sender = Callable[[EmailMessage], None]
#: ``Session.info`` key: this transaction queued e-mail. The development mailbox
#: (``portal.outbox.dev_mailbox``) delivers it right after the commit; nothing else reads it.
QUEUED_KEY = "kp_outbox_queued"


class Undeliverable(Exception):
    """The message has no recipient any more (its key was destroyed): it can never be sent."""


def enqueue(session: Session, *, to: str, subject: str, body: str, kind: str) -> OutboxMessage:
    """Add an e-mail to the outbox in the caller's transaction (the caller commits).

    The message gets a data key of its own, so that erasing it after delivery can destroy
    the key without touching any case; the flush seals the recipient and the body.
    """
    message = OutboxMessage(
        kind=kind,
        data_key_id=create_data_key(session).id,
        to_address=to,
        subject=subject,
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    session.info[QUEUED_KEY] = True
    return message


def _due(model: Any, now: datetime):
    return or_(
        and_(model.status == "pending", model.next_attempt_at <= now),
        and_(model.status == "sending", model.claimed_at < now - STALE_CLAIM),
    )


def claim_rows(session: Session, model: Any, *, now: datetime, batch: int) -> list[Any]:
    """Claim up to ``batch`` due rows of an outbox-shaped ``model`` (``status``,
    ``next_attempt_at``, ``claim_token``, ``claimed_at``) for this worker, without committing.

    The e-mail outbox and the API's webhook deliveries share it.
    """
    token = uuid.uuid4().hex
    ids = select(model.id).where(_due(model, now)).order_by(model.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        ids = ids.with_for_update(skip_locked=True)
    session.execute(
        update(model)
        .where(model.id.in_(ids.scalar_subquery()), _due(model, now))
        .values(status="sending", claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    # Read the claimed rows in the claiming transaction; the caller commits before it sends,
    # so no transaction stays open (on SQLite a read-then-write one could not wait its turn).
    return list(
        session.scalars(
            select(model)
            .where(model.claim_token == token, model.status == "sending")
            .order_by(model.id)
            .execution_options(populate_existing=True)
        )
    )


def claim(session: Session, *, now: datetime, batch: int) -> list[OutboxMessage]:
    """Claim up to ``batch`` due messages for this worker and commit the claim."""
    claimed = claim_rows(session, OutboxMessage, now=now, batch=batch)
    # Their data keys too, in this transaction: decrypting them later then needs no read,
    # so each outcome's transaction starts with its write.
    preload_keys(session, claimed, "to_address")
    session.commit()
    return claimed


def recipient(session: Session, message: OutboxMessage) -> str | None:
    """The address to send ``message`` to; ``None`` once the message was erased.

    The one place the outbox decrypts the recipient: only to hand it to the mail server.
    """
    value = decrypt_field(message, "to_address", session=session)
    return value if isinstance(value, str) and value else None


def body_of(session: Session, message: OutboxMessage) -> str | None:
    """The text of ``message``; ``None`` once the message was erased."""
    value = decrypt_field(message, "body", session=session)
    return value if isinstance(value, str) else None


def erase(session: Session, message: OutboxMessage) -> None:
    """Clear the recipient and the body and destroy the message's data key.

    A sent or failed message needs neither again. Destroying the key as well (as retention
    does for a case) leaves any stray copy of the ciphertexts unreadable for good.
    """
    message.to_address = None
    message.body = None
    # The row's UPDATE first: on SQLite the transaction then holds the write lock before
    # it reads the key row.
    session.flush()
    if message.data_key_id is not None:
        destroy_data_key(session, message.data_key_id)


def build_email(session: Session, message: OutboxMessage, mail_from: str) -> EmailMessage:
    to = recipient(session, message)
    if to is None:
        raise Undeliverable()
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"kp{message.id}")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(body_of(session, message) or "")
    return email


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """1, 2, 4, 8 ... times the base, at most six hours."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_pending(
    session: Session,
    send: Sender,
    *,
    mail_from: str,
    max_attempts: int = 8,
    backoff_seconds: int = 60,
    now: datetime | None = None,
    batch: int = 50,
) -> DeliveryReport:
    """Send what is due. A worker job, not a domain operation: it commits its own work."""
    now = now or utcnow()
    report = DeliveryReport()
    for message in claim(session, now=now, batch=batch):
        try:
            send(build_email(session, message, mail_from))
        except (OSError, smtplib.SMTPException, Undeliverable) as exc:
            message.attempts += 1
            message.last_error = type(exc).__name__[:200]
            message.claim_token = None
            if message.attempts >= max_attempts or isinstance(exc, Undeliverable):
                message.status = "failed"
                erase(session, message)  # never tried again: nothing to keep it for
                report.failed += 1
            else:
                message.status = "pending"
                message.next_attempt_at = now + backoff(message.attempts, backoff_seconds)
                report.retrying += 1
        else:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = now
            message.claim_token = None
            message.last_error = None
            erase(session, message)
            report.sent += 1
        session.commit()
    return report


# --- backends ------------------------------------------------------------------------------


def smtp_sender(config: dict[str, Any]) -> Sender:
    def send(email: EmailMessage) -> None:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(email)

    return send


def file_sender(directory: Path) -> Sender:
    """Development: one ``.eml`` file per message, addressed to a masked recipient.

    The files stay on disk, outside the encrypted database and beyond any erasing, so the
    recipient in them is masked; the body stays readable (its link is what a developer needs).
    """

    def send(email: EmailMessage) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        masked = copy.deepcopy(email)
        masked.replace_header("To", mask_email(str(email["To"])))
        (directory / name).write_bytes(bytes(masked))

    return send


def memory_sender(box: list[EmailMessage]) -> Sender:
    return box.append


def sender_for(app: Any) -> Sender:
    """The backend MAIL_BACKEND names: "smtp", "file" (instance/mail) or "memory" (tests)."""
    backend = app.config["MAIL_BACKEND"]
    if backend == "smtp":
        return smtp_sender(app.config)
    if backend == "file":
        return file_sender(Path(app.instance_path) / "mail")
    if backend == "memory":
        return memory_sender(app.extensions.setdefault("kp_mail", []))
    raise ValueError(f"unknown MAIL_BACKEND {backend!r}")


def deliver_for_app(app: Any, session: Session, **kwargs: Any) -> DeliveryReport:
    return deliver_pending(
        session,
        sender_for(app),
        mail_from=app.config["MAIL_FROM"],
        max_attempts=app.config["OUTBOX_MAX_ATTEMPTS"],
        backoff_seconds=app.config["OUTBOX_BACKOFF_SECONDS"],
        **kwargs,
    )
