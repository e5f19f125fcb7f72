"""The development mailbox: e-mail and text messages on one page, the moment they are sent.

In development nobody runs ``flask outbox deliver``, so with ``DEV_MAILBOX`` on (``make run``
sets it) an e-mail a request queued is delivered right after that request committed, by the
outbox's own delivery (``deliver_for_app``) to the configured development sender
(``MAIL_BACKEND=file``: ``.eml`` files in ``instance/mail``, recipient masked). Text messages
already go out after the commit (``consent/sms.py``; ``SMS_BACKEND=file``: ``instance/sms``,
number masked). ``/ontwikkeling/postbus`` reads both folders, newest first, so a developer
sees a consent invitation and its code at once.

Only with ``DEV_MAILBOX`` in development or testing: production refuses the flag
(``portal.config``) and the page answers 404 wherever the flag is off. The production
outbox is untouched: there e-mail waits for ``flask outbox deliver`` as before. The page
shows what the development files hold and nothing more: masked recipients and the bodies
(a reference, a link or a code; never personal data).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.access import public
from portal.extensions import db
from portal.outbox.service import QUEUED_KEY, deliver_for_app

log = logging.getLogger("portal.outbox.dev_mailbox")
bp = Blueprint("outbox", __name__)

#: ``Session.info`` key: e-mail queued in a transaction that committed, not yet delivered.
DUE_KEY = "kp_outbox_due"
#: Messages the page lists.
LATEST = 50
_LINK = re.compile(r"https?://[^\s<>\"']+")


def enabled(app: Flask) -> bool:
    """Whether this app has the development mailbox (never in production)."""
    return bool(app.config.get("DEV_MAILBOX")) and app.config["KP_ENV"] in (
        "development",
        "testing",
    )


def mail_dir(app: Flask) -> Path:
    """Where ``MAIL_BACKEND=file`` writes (``outbox.service.sender_for``)."""
    return Path(app.instance_path) / "mail"


def sms_dir(app: Flask) -> Path:
    """Where ``SMS_BACKEND=file`` writes (``consent.sms.make_sender``)."""
    return Path(app.instance_path) / "sms"


# --- delivering right after the commit ------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _queued_mail_committed(session: Session) -> None:
    # No SQL may run here (the transaction just ended): note it, the request delivers.
    if session.info.pop(QUEUED_KEY, False):
        session.info[DUE_KEY] = True


@event.listens_for(Session, "after_soft_rollback")
def _queued_mail_rolled_back(session: Session, previous: Any) -> None:
    if not previous.nested:  # the e-mail is gone with the transaction
        session.info.pop(QUEUED_KEY, None)


def deliver_now(app: Flask, session: Session) -> None:
    """Deliver what is due with the app's sender; a failure leaves it in the outbox.

    Delivery commits its own work, so an open transaction ends first; what a request did
    not commit is not wanted anyway (``portal.db`` ends it the same way after each request).
    """
    if session.in_transaction():
        session.rollback()
    try:
        deliver_for_app(app, session)
    except Exception as exc:  # the page is ready: a mailbox problem must not break it
        session.rollback()
        log.warning("development mailbox not delivered", extra={"error": type(exc).__name__})


def _deliver_after_request(response: Response) -> Response:
    if enabled(current_app):
        session = db.session
        if session.info.pop(DUE_KEY, False):
            deliver_now(current_app, session)
    return response


# --- the page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One message as the development sink wrote it (recipient already masked there)."""

    channel: str  # "email" or "sms"
    to: str
    subject: str
    sent_at: datetime
    body: str

    @property
    def lines(self) -> list[list[tuple[str, bool]]]:
        """The body line by line, each cut into (text, is_link) parts: links are clickable."""
        out = []
        for line in self.body.splitlines():
            parts: list[tuple[str, bool]] = []
            last = 0
            for match in _LINK.finditer(line):
                parts += [(line[last : match.start()], False), (match[0], True)]
                last = match.end()
            parts.append((line[last:], False))
            out.append([part for part in parts if part[0]])
        return out


def _read_mail(path: Path, sent_at: datetime) -> Letter:
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    part = email.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return Letter("email", str(email["To"] or ""), str(email["Subject"] or ""), sent_at, body)


def _read_sms(path: Path, sent_at: datetime) -> Letter:
    head, _sep, body = path.read_text(encoding="utf-8").partition("\n\n")
    return Letter("sms", head.removeprefix("To: ").strip(), "", sent_at, body.strip())


def latest(app: Flask, limit: int = LATEST) -> list[Letter]:
    """The newest ``limit`` e-mails and text messages of the development sinks."""
    found = []
    for directory, suffix, read in (
        (mail_dir(app), ".eml", _read_mail),
        (sms_dir(app), ".txt", _read_sms),
    ):
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.suffix == suffix and path.is_file():
                found.append((path.stat().st_mtime_ns, path.name, path, read))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    letters = []
    for mtime_ns, _name, path, read in found[:limit]:
        sent_at = datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC)
        try:
            letters.append(read(path, sent_at))
        except (OSError, UnicodeError, ValueError):  # half written or not ours: skip it
            continue
    return letters


# Public, because a developer playing the tenant reads the code in a browser where nobody is
# signed in; it exists only in development (404 elsewhere, and production refuses the flag).
@bp.get("/ontwikkeling/postbus")
@public
def dev_mailbox():
    """The latest e-mails and text messages, newest first (development only)."""
    if not enabled(current_app):
        abort(404)
    return render_template("outbox/dev_mailbox.html", letters=latest(current_app))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_deliver_after_request)
