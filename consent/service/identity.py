"""The identity check: before anything personal is shown, the tenant proves who they are
with a one-time code sent to the phone or e-mail on file and their birth date (or, after a
DigiD-style broker, their BSN). Failures count per person and lock the check for a while.

Contact details and birth dates are read through the policy point with a system actor, so
every look is audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from consent import sms
from consent.models import ConsentInvitation, IdentityChallenge
from consent.service.codes import code_matches, new_challenge, same_browser, send_code
from consent.service.invitations import contact_for
from consent.service.lockout import clear_failures, count_failure, is_locked
from portal.actor import Actor
from portal.audit.service import record as audit
from portal.cases.mandates import mandates_by_contact
from portal.cases.models import Case, Person, TenantMandate
from portal.cases.service import (
    find_cases_by_bsn,
    find_cases_by_email,
    find_cases_by_phone,
    is_minor,
)
from portal.crypto import blind_index
from portal.db import changed_rows, utcnow
from portal.errors import DomainError
from portal.sharing import plain, reveal

IDENTITY_ACTOR = Actor.system("consent:identity-check")


class IdentityRefused(DomainError):
    """The identity check failed; ``reason`` is "wrong", "expired", "locked" or "used"."""

    status = 403

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message)
        self.reason = reason


def start_link_challenge(
    session: Session,
    actor: Actor,
    invitation: ConsentInvitation,
    *,
    browser_secret: str,
    language: str,
    now: datetime | None = None,
) -> IdentityChallenge:
    """Send a one-time code to the phone (or e-mail) on file for the link's request."""
    now = now or utcnow()
    request = invitation.request
    if invitation.state(now) != "open" or request.status != "pending":
        raise IdentityRefused("expired")
    if is_locked(session, [request.person_id], now):
        raise IdentityRefused("locked")
    contact = contact_for(session, request)
    order = ["sms", "email"] if invitation.channel != "email" else ["email", "sms"]
    channel = next(
        (
            c
            for c in order
            if (c == "sms" and contact["phone"] and sms.available())
            or (c == "email" and contact["email"])
        ),
        None,
    )
    if channel is None:
        raise DomainError(
            str(
                _l(
                    "We hebben geen telefoonnummer of e-mailadres van u om een code naar te "
                    "sturen. Neem contact op met de organisatie die u de vraag stuurde."
                )
            )
        )
    challenge, code = new_challenge(
        session,
        kind="link",
        invitation_id=invitation.id,
        person_ids=[request.person_id],
        channel=channel,
        browser_secret=browser_secret,
        now=now,
    )
    to = contact["phone"] if channel == "sms" else contact["email"]
    send_code(session, channel, str(to), code, language)
    audit(
        session,
        actor,
        "consent.code_sent",
        case_id=request.case_id,
        person_id=request.person_id,
        detail={"request": request.reference, "channel": channel, "challenge": challenge.id},
    )
    return challenge


def _persons_by_index(
    session: Session, cases: Iterable[Case], index_field: str, value_digest: str
) -> list[Person]:
    return [
        p
        for case in cases
        for p in case.persons
        if not is_minor(p)
        and any(b.field == index_field and b.digest == value_digest for b in p.blind_indexes)
    ]


def start_return_challenge(
    session: Session,
    actor: Actor,
    contact: str,
    *,
    browser_secret: str,
    language: str,
    now: datetime | None = None,
) -> IdentityChallenge:
    """Coming back later: the tenant types the phone number or e-mail address on file.

    Found through the blind index; the code goes to that same number or address. Whether
    anyone matched is never shown (the answer looks the same); only a match gets a code.
    A legal representative types their own number or address: the people they hold a live
    mandate for become candidates too, and the birth date typed with the code picks one.
    """
    now = now or utcnow()
    value = (contact or "").strip()
    index_field = "email" if "@" in value else "phone"
    try:
        normalised = blind_index.normalise(index_field, value)
    except ValueError:
        raise DomainError(
            str(_l("Vul uw mobiele nummer of e-mailadres in zoals wij het van u hebben.")),
            field="contact",
        ) from None
    find = find_cases_by_email if index_field == "email" else find_cases_by_phone
    cases = find(session, IDENTITY_ACTOR, normalised)
    value_digest = blind_index.blind_digest(session, index_field, normalised)
    persons = _persons_by_index(session, cases, index_field, value_digest)
    own = {p.id for p in persons}
    mandates = {
        str(m.person_id): m.id
        for m in mandates_by_contact(session, index_field, value_digest)
        if m.person_id not in own
    }
    person_ids = sorted(own | {int(pid) for pid in mandates})
    if is_locked(session, person_ids, now):
        raise IdentityRefused("locked")
    channel: str | None = "email" if index_field == "email" else "sms"
    if channel == "sms" and not sms.available():
        channel = None
    challenge, code = new_challenge(
        session,
        kind="return",
        person_ids=person_ids if channel else [],
        channel=channel,
        browser_secret=browser_secret,
        now=now,
    )
    challenge.mandates = mandates if channel else {}
    if person_ids and channel:
        send_code(session, channel, normalised, code, language)
    audit(
        session,
        actor,
        "consent.code_requested",
        detail={"by": index_field, "matched": bool(person_ids), "challenge": challenge.id},
    )
    return challenge


def _mandate_id(challenge: IdentityChallenge, person_id: int) -> int | None:
    return (challenge.mandates or {}).get(str(person_id))


def proved_mandate(
    session: Session, challenge: IdentityChallenge, person_ids: list[int]
) -> tuple[int, str] | None:
    """After ``verify_challenge``: the mandate the sign-in runs under and its kind, when the
    code went to a representative for the person proved (``None``: she signed in herself)."""
    mandate_id = _mandate_id(challenge, person_ids[0]) if person_ids else None
    mandate = session.get(TenantMandate, mandate_id) if mandate_id else None
    if mandate is None or not mandate.active:
        return None
    shown = reveal(
        session, IDENTITY_ACTOR, mandate.case, {mandate: ["kind"]}, action="consent.identity_check"
    )
    return mandate.id, str(plain(shown.get(mandate, "kind")) or "")


def _birth_dates(session: Session, persons: Sequence[Person]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    by_case: dict[int, list[Person]] = {}
    for p in persons:
        by_case.setdefault(p.case_id, []).append(p)
    for group in by_case.values():
        shown = reveal(
            session,
            IDENTITY_ACTOR,
            group[0].case,
            {p: ["birth_date"] for p in group},
            action="consent.identity_check",
        )
        for p in group:
            found[p.id] = plain(shown.get(p, "birth_date"))
    return found


def verify_challenge(
    session: Session,
    actor: Actor,
    challenge: IdentityChallenge,
    *,
    code: str,
    birth_date: date | None,
    browser_secret: str,
    now: datetime | None = None,
) -> list[int]:
    """Check the code and the birth date; the person ids proved (link: the invitation is
    used up now). Raises ``IdentityRefused``; failures count towards the lock."""
    now = now or utcnow()
    limit = current_app.config["CONSENT_MAX_ATTEMPTS"]
    if not same_browser(challenge, browser_secret):
        raise IdentityRefused("expired")
    if challenge.verified_at is not None or challenge.expires_at <= now:
        raise IdentityRefused("expired")
    if challenge.attempts >= limit:
        raise IdentityRefused("locked")
    if is_locked(session, challenge.person_ids, now):
        raise IdentityRefused("locked")
    challenge.attempts += 1
    code_ok = code_matches(challenge, code)
    matched: list[int] = []
    if code_ok and birth_date is not None and challenge.person_ids:
        persons = [p for p in (session.get(Person, i) for i in challenge.person_ids) if p]
        dates = _birth_dates(session, persons)
        matched = [p.id for p in persons if dates.get(p.id) == birth_date]
        # Someone who is both a tenant and a representative: their own case first; a
        # representative acts for one person at a time.
        via_mandate = set(map(int, challenge.mandates or {}))
        themselves = [pid for pid in matched if pid not in via_mandate]
        matched = themselves or matched[:1]
    if not matched:
        locked = count_failure(session, actor, challenge.person_ids, now)
        audit(
            session,
            actor,
            "consent.identity_failed",
            detail={"challenge": challenge.id, "attempt": challenge.attempts},
        )
        session.flush()
        if locked or challenge.attempts >= limit:
            raise IdentityRefused("locked")
        raise IdentityRefused("wrong")
    challenge.verified_at = now
    clear_failures(session, matched)
    if challenge.kind == "link":
        _use_invitation(session, challenge.invitation_id, now)
    session.flush()
    for pid in matched:
        audit(
            session,
            actor,
            "consent.identity_proved",
            person_id=pid,
            detail={
                "via": "code",
                "challenge": challenge.id,
                **({"mandate": m} if (m := _mandate_id(challenge, pid)) else {}),
            },
        )
    return matched


def _use_invitation(session: Session, invitation_id: int | None, now: datetime) -> None:
    """Single use: one UPDATE that succeeds only for an open link of a pending request."""
    done = changed_rows(
        session,
        update(ConsentInvitation)
        .where(
            ConsentInvitation.id == invitation_id,
            ConsentInvitation.used_at.is_(None),
            ConsentInvitation.revoked_at.is_(None),
            ConsentInvitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False),
    )
    if not done:
        raise IdentityRefused("used")
    invitation = session.get(ConsentInvitation, invitation_id)
    if invitation is not None:
        session.refresh(invitation)
        if invitation.request.status != "pending":
            raise IdentityRefused("used")


def identity_from_bsn(
    session: Session,
    actor: Actor,
    bsn: str,
    *,
    invitation: ConsentInvitation | None = None,
    now: datetime | None = None,
) -> list[int]:
    """After a DigiD-style broker vouched for a BSN: the person records it matches, found
    through the blind index. With an invitation, its request's subject must be among them."""
    now = now or utcnow()
    try:
        normalised = blind_index.normalise_bsn(bsn or "")
    except ValueError:
        raise IdentityRefused("wrong") from None
    cases = find_cases_by_bsn(session, IDENTITY_ACTOR, normalised)
    value_digest = blind_index.blind_digest(session, "bsn", normalised)
    person_ids = sorted({p.id for p in _persons_by_index(session, cases, "bsn", value_digest)})
    if invitation is not None:
        request = invitation.request
        if request.person_id not in person_ids or request.has_representative:
            audit(session, actor, "consent.identity_failed", detail={"via": "digid"})
            raise IdentityRefused("wrong")
        _use_invitation(session, invitation.id, now)
        person_ids = [request.person_id]
    if not person_ids:
        audit(session, actor, "consent.identity_failed", detail={"via": "digid"})
        raise IdentityRefused("wrong")
    for pid in person_ids:
        audit(session, actor, "consent.identity_proved", person_id=pid, detail={"via": "digid"})
    return person_ids
