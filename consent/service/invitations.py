"""Invitations: the single-use link for each channel (e-mail, SMS, printed letter), the
message that carries it, and what a link opens.

Messages carry a link, never personal data. The address or number they go to is read
through the policy point with a system actor, so every look is audited."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import sms
from consent.models import CHANNELS, ConsentInvitation, ConsentRequest
from consent.service._common import hash_token, require_owner
from portal.actor import Actor
from portal.audit.service import record as audit
from portal.db import utcnow
from portal.errors import Conflict, DomainError
from portal.outbox.service import enqueue
from portal.sharing import plain, reveal

INVITATION_ACTOR = Actor.system("consent:invitation")


def contact_for(session: Session, request: ConsentRequest) -> dict[str, str | None]:
    """Where invitations and codes go: the representative's contact, else the person's.

    Read through the policy point with a system actor, so the look is audited."""
    if request.has_representative:
        shown = reveal(
            session,
            INVITATION_ACTOR,
            request.case,
            {request: ["representative_email", "representative_phone"]},
            action="consent.contact_lookup",
        )
        return {
            "email": plain(shown.get(request, "representative_email")),
            "phone": plain(shown.get(request, "representative_phone")),
        }
    shown = reveal(
        session,
        INVITATION_ACTOR,
        request.case,
        {request.person: ["email", "phone"]},
        action="consent.contact_lookup",
    )
    return {
        "email": plain(shown.get(request.person, "email")),
        "phone": plain(shown.get(request.person, "phone")),
    }


def _invitation_texts(request: ConsentRequest, link: str, expires: datetime) -> dict[str, str]:
    """E-mail subject and body, and the SMS, in the request's language: a link, no data."""
    with force_locale(request.language):
        until = format_date(expires.date(), format="long", locale=request.language)
        return {
            "subject": _("Vraag om uw toestemming (%(ref)s)", ref=request.reference),
            "body": "\n".join(
                [
                    _(
                        "Een organisatie die u helpt, vraagt uw toestemming om gegevens te "
                        "delen. Dat gaat via het Ketenportaal."
                    ),
                    "",
                    _("Open deze link om de vraag te lezen en te beantwoorden:"),
                    link,
                    "",
                    _("De link werkt één keer, tot %(date)s.", date=until),
                    _("Kenmerk: %(ref)s", ref=request.reference),
                    "",
                    _("Verwachtte u dit bericht niet? Dan kunt u het negeren."),
                ]
            ),
            "sms": _("Ketenportaal: er is een vraag om uw toestemming. Open: %(link)s", link=link),
        }


def issue_link(
    session: Session,
    request: ConsentRequest,
    channel: str,
    link_for: Callable[[str], str],
    now: datetime,
    contact: Mapping[str, str | None] | None = None,
) -> str:
    """A new link for one channel (older open links of that channel stop working)."""
    for old in request.invitations:
        if old.channel == channel and old.state(now) == "open":
            old.revoked_at = now
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=current_app.config["CONSENT_LINK_DAYS"])
    invitation = ConsentInvitation(
        channel=channel, token_hash=hash_token(token), created_at=now, expires_at=expires
    )
    request.invitations.append(invitation)
    session.flush()
    if channel == "letter":
        return token
    contact = contact if contact is not None else contact_for(session, request)
    texts = _invitation_texts(request, link_for(token), expires)
    if channel == "email":
        if not contact["email"]:
            raise DomainError(str(_l("Er is geen e-mailadres bekend.")), field="channels")
        enqueue(
            session,
            to=str(contact["email"]),
            subject=texts["subject"],
            body=texts["body"],
            kind="consent_invitation",
        )
    elif channel == "sms":
        if not contact["phone"]:
            raise DomainError(str(_l("Er is geen telefoonnummer bekend.")), field="channels")
        if not sms.available():
            raise DomainError(str(_l("Sms is hier niet ingesteld.")), field="channels")
        sms.queue(session, str(contact["phone"]), texts["sms"])
    return token


def _require_open(request: ConsentRequest) -> None:
    if request.status != "pending":
        raise Conflict(str(_l("Dit verzoek is al beantwoord of ingetrokken.")))


def send_again(
    session: Session,
    actor: Actor,
    request: ConsentRequest,
    channel: str,
    *,
    link_for: Callable[[str], str],
    now: datetime | None = None,
) -> str:
    """A fresh link by one channel ("letter": for printing); returns the token."""
    if actor.kind != "system":
        require_owner(actor, request.case)
    _require_open(request)
    if channel not in CHANNELS:
        raise DomainError(str(_l("Kies hoe de uitnodiging verstuurd wordt.")), field="channels")
    now = now or utcnow()
    token = issue_link(session, request, channel, link_for, now)
    audit(
        session,
        actor,
        "consent.invitation_sent",
        case_id=request.case_id,
        person_id=request.person_id,
        detail={"request": request.reference, "channel": channel},
    )
    return token


def open_invitation(
    session: Session, token: str, now: datetime | None = None
) -> tuple[ConsentInvitation | None, str]:
    """The invitation a link belongs to and its state: "open", "used", "expired", "revoked",
    "closed" (the request was answered or cancelled) or "unknown"."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None, "unknown"
    invitation = session.scalar(
        select(ConsentInvitation).where(ConsentInvitation.token_hash == hash_token(token))
    )
    if invitation is None:
        return None, "unknown"
    state = invitation.state(now)
    if state == "open" and invitation.request.status != "pending":
        state = "closed"
    return invitation, state
