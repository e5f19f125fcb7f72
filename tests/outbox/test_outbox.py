"""The transactional outbox: enqueue with the business transaction, deliver with retries,
over real SMTP (aiosmtpd on localhost), and safely with several workers at once."""

from __future__ import annotations

import email
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from alembic import command
from sqlalchemy import func, select, text

from portal import create_app
from portal.crypto.models import DataKey
from portal.crypto.service import destroy_data_key
from portal.db import make_engine, utcnow
from portal.extensions import db
from portal.migrate import alembic_config
from portal.outbox.models import OutboxMessage
from portal.outbox.service import (
    backoff,
    deliver_for_app,
    deliver_pending,
    enqueue,
    file_sender,
    recipient,
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


def test_memory_backend_delivers_and_erases_the_message(app, session):
    box = app.extensions.setdefault("kp_mail", [])
    box.clear()
    (message,) = _enqueue(session)
    report = deliver_for_app(app, session)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert box[0]["Subject"] == "Bericht KP-0000" and box[0]["From"] == app.config["MAIL_FROM"]
    assert box[0]["To"] == "ontvanger0@partner.example"
    session.refresh(message)
    assert message.status == "sent" and message.attempts == 1
    assert message.to_address is None and message.body is None
    assert recipient(session, message) is None
    assert deliver_for_app(app, session).sent == 0  # nothing twice


def test_file_backend_writes_eml_with_the_recipient_masked(tmp_path, session, app):
    _enqueue(session)
    deliver_pending(session, file_sender(tmp_path / "mail"), mail_from=app.config["MAIL_FROM"])
    (path,) = (tmp_path / "mail").glob("*.eml")
    raw = path.read_bytes()
    parsed = email.message_from_bytes(raw)
    assert parsed["To"] == "o***@p***.example"
    assert b"ontvanger0" not in raw and b"partner.example" not in raw
    assert "https://portal.example/link/0" in parsed.get_payload()  # the link is what is read


def _raw_rows(session) -> list[tuple]:
    """The outbox as stored, read with plain SQL (what a dump or the database file holds)."""
    return [tuple(row) for row in session.execute(text("SELECT * FROM outbox_message"))]


def _holds(rows: list[tuple], secret: str) -> bool:
    for row in rows:
        for value in row:
            if isinstance(value, bytes | bytearray | memoryview):
                value = bytes(value).decode("latin-1")
            if secret in str(value):
                return True
    return False


def test_the_recipient_and_body_are_never_stored_in_the_clear(app, session, smtp_config):
    address = "t.yilmaz@voorbeeld.nl"
    message = enqueue(
        session,
        to=address,
        subject="Uw code voor het Ketenportaal",
        body="Uw code is: 482913",
        kind="consent_code",
    )
    session.flush()
    queued = _raw_rows(session)
    assert len(queued) == 1
    assert message.to_address is not None and message.body is not None  # sealed, not empty
    for secret in (address, "t.yilmaz", "voorbeeld.nl", "482913"):
        assert not _holds(queued, secret), secret
    assert recipient(session, message) == address

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_config["SMTP_PORT"])
    controller.start()
    try:
        send = smtp_sender(smtp_config)
        assert deliver_pending(session, send, mail_from="portal@example.org").sent == 1
    finally:
        controller.stop()
    (received,) = inbox.messages
    assert received["To"] == address and "482913" in received.get_payload()

    delivered = _raw_rows(session)
    for secret in (address, "t.yilmaz", "voorbeeld.nl", "482913"):
        assert not _holds(delivered, secret), secret
    to_address, body, key_id = session.execute(
        text("SELECT to_address, body, data_key_id FROM outbox_message")
    ).one()
    assert to_address is None and body is None
    wrapped, destroyed_at = session.execute(
        text("SELECT wrapped_key, destroyed_at FROM data_key WHERE id = :id"), {"id": key_id}
    ).one()
    assert wrapped is None and destroyed_at is not None


def test_a_message_given_up_on_is_erased_too(session):
    (message,) = _enqueue(session)

    def broken(_email):
        raise OSError("down")

    deliver_pending(session, broken, mail_from="x@example.org", max_attempts=1)
    session.refresh(message)
    assert message.status == "failed" and message.last_error == "OSError"
    assert message.to_address is None and message.body is None
    assert session.get(DataKey, message.data_key_id).destroyed_at is not None


def test_a_message_whose_key_is_gone_fails_without_sending(session):
    (message,) = _enqueue(session)
    destroy_data_key(session, message.data_key_id)
    sent = []
    report = deliver_pending(session, sent.append, mail_from="x@example.org")
    assert (report.sent, report.failed, sent) == (0, 1, [])
    session.refresh(message)
    assert message.status == "failed" and message.last_error == "Undeliverable"


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


def test_the_migration_drops_plain_recipients_and_waits_for_unsent_mail(backend, databases):
    """0015 cannot encrypt (no master key in migrations): sent mail loses its plain recipient
    and body; while mail still waits, it stops instead of dropping or keeping it in the clear."""
    url = databases.fresh(backend, "outbox_0015")
    migrate(url, "0013")
    engine = make_engine(url)
    insert = text(
        "INSERT INTO outbox_message (kind, to_addr, subject, body, status, attempts,"
        " next_attempt_at, created_at) VALUES ('test', :to, 'Bericht', :body, :status, 1,"
        " :now, :now)"
    )
    with engine.begin() as conn:
        for status in ("sent", "failed", "pending"):
            to, body = f"{status}@huurder.example", f"https://portal.example/t/{status}"
            conn.execute(insert, {"to": to, "body": body, "status": status, "now": utcnow()})
    with pytest.raises(RuntimeError, match="1 e-mail"):
        migrate(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox_message SET status = 'sent' WHERE status = 'pending'"))
    migrate(url)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text("SELECT * FROM outbox_message"))]
    assert len(rows) == 3
    assert not _holds(rows, "huurder.example") and not _holds(rows, "portal.example/t/")
    command.downgrade(alembic_config(url), "0013")
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT to_addr, body FROM outbox_message"))) == {("", "")}
    engine.dispose()
