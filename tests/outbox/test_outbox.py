"""The transactional outbox: enqueue with the business transaction, deliver with retries,
over real SMTP (aiosmtpd on localhost), and safely with several workers at once."""

from __future__ import annotations

import email
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from portal import create_app
from portal.db import utcnow
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.service import (
    backoff,
    deliver_for_app,
    deliver_pending,
    enqueue,
    file_sender,
    smtp_sender,
)
from tests.conftest import make_test_config, migrate


class Inbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_config(app):
    port = free_port()
    return dict(
        app.config,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_STARTTLS=False,
        SMTP_USERNAME="",
        SMTP_PASSWORD="",
    )


def _enqueue(session, n: int = 1, kind: str = "test") -> list[OutboxMessage]:
    return [
        enqueue(
            session,
            to=f"ontvanger{i}@partner.example",
            subject=f"Bericht KP-{i:04d}",
            body=f"Kenmerk KP-{i:04d}\nhttps://portal.example/link/{i}",
            kind=kind,
        )
        for i in range(n)
    ]


def test_rolled_back_transaction_leaves_no_mail(session):
    nested = session.begin_nested()
    _enqueue(session)
    nested.rollback()
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_memory_backend_delivers_and_blanks_the_body(app, session):
    box = app.extensions.setdefault("kp_mail", [])
    box.clear()
    (message,) = _enqueue(session)
    report = deliver_for_app(app, session)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert box[0]["Subject"] == "Bericht KP-0000" and box[0]["From"] == app.config["MAIL_FROM"]
    session.refresh(message)
    assert message.status == "sent" and message.attempts == 1 and message.body == ""
    assert deliver_for_app(app, session).sent == 0  # nothing twice


def test_file_backend_writes_eml(tmp_path, session, app):
    _enqueue(session)
    deliver_pending(session, file_sender(tmp_path / "mail"), mail_from=app.config["MAIL_FROM"])
    (path,) = (tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["To"] == "ontvanger0@partner.example"


def test_smtp_delivery_and_retry_after_the_server_was_down(app, session, smtp_config):
    (message,) = _enqueue(session)
    send = smtp_sender(smtp_config)
    now = utcnow()
    # The server is down: the message waits, with back-off.
    report = deliver_pending(
        session, send, mail_from="portal@example.org", now=now, backoff_seconds=60
    )
    assert report.retrying == 1
    session.refresh(message)
    assert message.status == "pending" and message.attempts == 1
    assert message.last_error == "ConnectionRefusedError"
    assert message.next_attempt_at == now + timedelta(seconds=60)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_config["SMTP_PORT"])
    controller.start()
    try:
        # Not yet due: nothing is sent before the back-off has passed.
        assert deliver_pending(session, send, mail_from="portal@example.org", now=now).sent == 0
        later = now + timedelta(seconds=61)
        report = deliver_pending(session, send, mail_from="portal@example.org", now=later)
        assert report.sent == 1
    finally:
        controller.stop()
    (received,) = inbox.messages
    assert received["To"] == "ontvanger0@partner.example"
    assert received["Subject"] == "Bericht KP-0000"
    assert "KP-0000" in received.get_payload()
    session.refresh(message)
    assert message.status == "sent" and message.attempts == 2 and message.last_error is None


def test_cli_delivers_over_smtp(app, session, smtp_config):
    _enqueue(session, 2)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_config["SMTP_PORT"])
    controller.start()
    saved = dict(app.config)
    app.config.update(smtp_config, MAIL_BACKEND="smtp")
    try:
        result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    finally:
        app.config.clear()
        app.config.update(saved)
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    assert len(inbox.messages) == 2


def test_backoff_doubles_and_gives_up(session):
    assert [backoff(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30, 60) == timedelta(hours=6)
    (message,) = _enqueue(session)

    def broken(_email):
        raise OSError("down")

    now = utcnow()
    for attempt in range(3):
        deliver_pending(session, broken, mail_from="x@example.org", max_attempts=3, now=now)
        now += timedelta(hours=7)
        session.refresh(message)
        assert message.attempts == attempt + 1
    assert message.status == "failed"
    assert deliver_pending(session, broken, mail_from="x@example.org", now=now).failed == 0


def test_stale_claim_of_a_dead_worker_is_taken_over(session):
    (message,) = _enqueue(session)
    message.status = "sending"
    message.claim_token = "dead-worker"
    message.claimed_at = utcnow() - timedelta(minutes=11)
    session.flush()
    sent = []
    assert deliver_pending(session, sent.append, mail_from="x@example.org").sent == 1
    assert len(sent) == 1


def test_several_workers_send_each_message_exactly_once(backend, databases, tmp_path):
    """Real concurrent workers, each with its own connection, on a committed database."""
    url = databases.fresh(backend, "outbox")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    with app.app_context():
        _enqueue(db.session, 40)
        db.session.commit()

    sent: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def send(message):
        with lock:
            sent.append(message["Subject"])

    def worker():
        try:
            with app.app_context():
                for _ in range(20):
                    if (
                        deliver_pending(db.session, send, mail_from="x@example.org", batch=3).sent
                        == 0
                    ):
                        break
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(sent) == sorted(f"Bericht KP-{i:04d}" for i in range(40))
    with app.app_context():
        statuses = set(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent"}
    app.extensions["kp_db"].engine.dispose()
