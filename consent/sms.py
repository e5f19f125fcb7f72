"""Text messages (SMS) for consent invitations and one-time codes: a small adapter interface.

``SMS_BACKEND`` chooses the sender: ``file`` writes each message to ``instance/sms`` (the
development default, so a newcomer can read the code; the number is masked), ``memory`` keeps
them in ``app.extensions["kp_sms"]`` (tests), and ``module:factory`` loads a real gateway's
adapter (``factory(config) -> SmsSender``). Empty means no SMS in this installation.

Messages are queued on the database session (``queue``) and sent only after it commits:
a rolled-back request sends nothing. Message bodies hold a link or a code, never personal data.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.masking import mask_phone

log = logging.getLogger("consent.sms")
QUEUE_KEY = "kp_sms_queue"
EXTENSION_KEY = "kp_sms"


class SmsUnavailable(RuntimeError):
    """No SMS backend is configured."""


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> None:
        """Send ``body`` to the E.164 number ``to``; raise ``OSError`` on failure."""


class FileSender:
    """Development: one text file per message in ``instance/sms``.

    The number is masked: the files stay on disk, outside the encrypted database and beyond
    any erasing. The body (a link or a code) is what a developer needs to read.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, to: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        text = f"To: {mask_phone(to)}\n\n{body}\n"
        (self.directory / name).write_text(text, encoding="utf-8")


class MemorySender:
    """Tests: messages kept in a list, newest last."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> None:
        self.messages.append((to, body))


def make_sender(app: Flask) -> SmsSender | None:
    backend = app.config.get("SMS_BACKEND", "")
    if not backend:
        return None
    if backend == "file":
        return FileSender(Path(app.instance_path) / "sms")
    if backend == "memory":
        return MemorySender()
    module_name, _, factory = backend.partition(":")
    if not factory:
        raise ValueError("SMS_BACKEND must be 'file', 'memory' or 'module:factory'")
    return getattr(importlib.import_module(module_name), factory)(app.config)


def sender() -> SmsSender | None:
    return current_app.extensions.get(EXTENSION_KEY)


def available() -> bool:
    return sender() is not None


def queue(session: Session, to: str, body: str) -> None:
    """Send after the session's transaction commits (nothing if it rolls back)."""
    if not available():
        raise SmsUnavailable()
    session.connection()  # begin the transaction the message belongs to, if none is open
    session.info.setdefault(QUEUE_KEY, []).append((to, body))


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    messages = session.info.pop(QUEUE_KEY, [])
    if not messages or not has_app_context():
        return
    backend = sender()
    for to, body in messages:
        try:
            if backend is None:
                raise SmsUnavailable()
            backend.send(to, body)
        except (OSError, SmsUnavailable) as exc:  # never the number or the text in the log
            log.error("text message not sent", extra={"error": type(exc).__name__})


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, previous: Any) -> None:
    if not previous.nested:  # a savepoint rolling back leaves the transaction's messages
        session.info.pop(QUEUE_KEY, None)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = make_sender(app)


def sent_messages(app: Flask) -> list[tuple[str, str]]:
    """The memory backend's messages (tests)."""
    backend = app.extensions.get(EXTENSION_KEY)
    return backend.messages if isinstance(backend, MemorySender) else []
