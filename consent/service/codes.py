"""The one-time code of the identity check: made, kept as an HMAC bound to the browser that
asked for it, sent by SMS or e-mail, and compared.

Only the HMAC is stored, salted with the hash of a secret of the asking browser, so a code
read from the database or typed in another browser proves nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from consent import sms
from consent.models import IdentityChallenge
from consent.service._common import hash_token
from portal.outbox.service import enqueue


def _code_hash(code: str, salt: str) -> str:
    key = hashlib.sha256(b"kp-consent-code|" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{salt}|{code}".encode(), hashlib.sha256).hexdigest()


def new_challenge(
    session: Session,
    *,
    kind: str,
    person_ids: list[int],
    channel: str | None,
    browser_secret: str,
    now: datetime,
    invitation_id: int | None = None,
) -> tuple[IdentityChallenge, str]:
    """A stored challenge with a fresh six-digit code; returns it and the code to send."""
    code = f"{secrets.randbelow(10**6):06d}"
    salt = hash_token(browser_secret)
    challenge = IdentityChallenge(
        kind=kind,
        invitation_id=invitation_id,
        person_ids=person_ids,
        channel=channel,
        code_hash=_code_hash(code, salt),
        browser_hash=salt,
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(minutes=current_app.config["CONSENT_CODE_MINUTES"]),
    )
    session.add(challenge)
    session.flush()
    return challenge, code


def same_browser(challenge: IdentityChallenge, browser_secret: str) -> bool:
    """Whether the code is typed in the browser that asked for it."""
    return hmac.compare_digest(challenge.browser_hash, hash_token(browser_secret))


def code_matches(challenge: IdentityChallenge, code: str) -> bool:
    return hmac.compare_digest(
        challenge.code_hash, _code_hash((code or "").strip(), challenge.browser_hash)
    )


def send_code(session: Session, channel: str, to: str, code: str, language: str) -> None:
    """The code, in the tenant's language, by SMS (after commit) or e-mail (outbox)."""
    minutes = current_app.config["CONSENT_CODE_MINUTES"]
    with force_locale(language):
        if channel == "sms":
            sms.queue(
                session,
                to,
                _(
                    "Uw code voor het Ketenportaal is %(code)s. Deel deze code met niemand.",
                    code=code,
                ),
            )
        else:
            enqueue(
                session,
                to=to,
                subject=_("Uw code voor het Ketenportaal"),
                body="\n".join(
                    [
                        _("Uw code is: %(code)s", code=code),
                        _("De code werkt %(minutes)s minuten.", minutes=minutes),
                        "",
                        _("Deel deze code met niemand. Vroeg u geen code aan? Negeer dit bericht."),
                    ]
                ),
                kind="consent_code",
            )
