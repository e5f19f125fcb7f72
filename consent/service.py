"""Consent operations: ask, prove who you are, give, withdraw, expire, acknowledge.

Every function takes the session and the acting ``Actor``, enforces the rules, writes its
audit event, flushes and never commits. Personal data is read only through the policy point
(``portal.sharing.reveal``), with a system actor where the portal itself must look (sending
an invitation, checking a birth date), so every look is audited.

The life of a consent:

1. ``request_consent``: a professional of the case's owner asks for a purpose, recipients and
   categories (those whose covenant basis is consent). Invitations go by e-mail (outbox),
   SMS (after commit) and/or a printed letter; each link carries its own single-use token.
2. ``start_link_challenge`` / ``verify_challenge``: the tenant proves who they are with a
   one-time code and their birth date (or ``identity_from_bsn`` after a DigiD-style broker);
   too many failures lock the check for a while.
3. ``answer_request``: the tenant's granular choices become immutable ``ConsentRecord`` rows
   (one per recipient), with the exact statement they confirmed.
4. ``withdraw`` / ``expire_due``: a ``ConsentEvent``; the owner is notified, every recipient
   organisation that received data under the consent must acknowledge, and the
   ``on_consent_withdrawn`` hooks run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from consent import hooks, sms
from consent.models import (
    CHANNELS,
    MANDATES,
    ConsentAcknowledgement,
    ConsentEvent,
    ConsentEvidence,
    ConsentInvitation,
    ConsentRecord,
    ConsentRequest,
    ConsentText,
    IdentityChallenge,
    IdentityLock,
)
from portal.accounts.models import CASEWORK_ROLES, Organisation, User, UserRole
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.audit.service import record as audit
from portal.cases.models import Case, Person
from portal.cases.service import (
    find_cases_by_bsn,
    find_cases_by_email,
    find_cases_by_phone,
    is_minor,
)
from portal.covenant.rules import Covenant, LegalBasis, active_covenant
from portal.crypto import blind_index
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.outbox.service import enqueue
from portal.sharing import Withheld, reveal

#: The version of the consent statement's wording; stored with every record.
STATEMENT_VERSION = "2026-11"
#: GDPR art. 6(1)(a); with a special category also art. 9(2)(a) (explicit consent).
GDPR_CONSENT = "gdpr-6-1-a"
GDPR_EXPLICIT_CONSENT = "gdpr-6-1-a+9-2-a"
VALIDITY_DAYS = (90, 180, 365, 730)
LANGUAGES = ("nl", "en", "tr", "ar")
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

IDENTITY_ACTOR = Actor.system("consent:identity-check")
INVITATION_ACTOR = Actor.system("consent:invitation")

MANDATE_LABELS = {
    "bewindvoerder": _l("bewindvoerder"),
    "mentor": _l("mentor"),
    "curator": _l("curator"),
}


class IdentityRefused(DomainError):
    """The identity check failed; ``reason`` is "wrong", "expired", "locked" or "used"."""

    status = 403

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message)
        self.reason = reason


# --- what may be asked ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientOption:
    """One recipient a professional may ask consent for, with the consent categories."""

    role: str
    organisation_id: int | None
    categories: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.role}|{self.organisation_id or '*'}"


def consent_categories(covenant: Covenant, purpose: str, role: str) -> tuple[str, ...]:
    """The categories ``role`` receives for ``purpose`` only with consent, in covenant order."""
    package = covenant.sharing_package(purpose, role)
    return tuple(c for c in covenant.categories if c in package and package[c].is_consent)


def consent_purposes(covenant: Covenant) -> list[str]:
    """Purposes for which some recipient needs consent for some category."""
    return [
        p
        for p in covenant.purposes
        if any(consent_categories(covenant, p, role) for role in covenant.recipients(p))
    ]


@dataclass(frozen=True)
class LawNotice:
    """Categories that go to one recipient role for a purpose by law, whatever the tenant
    answers: the partners playing the role, the statutory basis and the categories."""

    role: str
    partners: tuple[str, ...]
    basis: LegalBasis
    categories: tuple[str, ...]


def law_notices(covenant: Covenant, purpose: str) -> list[LawNotice]:
    """What goes to whom by law for ``purpose``, regardless of consent.

    A tenant asked for consent easily reads her "no" as "nobody gets anything"; the pages
    must say first what a statutory basis (such as the Wgs for debt help) passes on anyway.
    Derived from the covenant's sharing rules (every category whose basis is not consent),
    so the notice changes with the covenant and is never written into a template. One
    notice per recipient role and basis, categories in covenant order; none for a purpose
    the covenant does not know.
    """
    if purpose not in covenant.purposes:
        return []
    notices = []
    for role in covenant.recipients(purpose):
        package = covenant.sharing_package(purpose, role)
        by_basis: dict[str, list[str]] = {}
        for category in covenant.categories:
            basis = package.get(category)
            if basis is not None and not basis.is_consent:
                by_basis.setdefault(basis.code, []).append(category)
        for code, categories in by_basis.items():
            notices.append(
                LawNotice(
                    role,
                    covenant.partners_with_role(role),
                    covenant.legal_bases[code],
                    tuple(categories),
                )
            )
    return notices


def recipient_options(
    session: Session, covenant: Covenant, purpose: str, owner_id: int
) -> list[RecipientOption]:
    """Pre-filled from the covenant: each partner organisation in each recipient role of the
    purpose (never the owner itself), with the categories whose basis is consent."""
    if purpose not in covenant.purposes:
        return []
    orgs = {o.slug: o for o in session.scalars(select(Organisation))}
    options = []
    for role in covenant.recipients(purpose):
        categories = consent_categories(covenant, purpose, role)
        if not categories:
            continue
        for slug in covenant.partners_with_role(role):
            org = orgs.get(slug)
            if org is not None and org.id != owner_id:
                options.append(RecipientOption(role, org.id, categories))
    return options


def clean_items(
    session: Session,
    covenant: Covenant,
    purpose: str,
    items: Iterable[Mapping[str, Any]],
    owner_id: int,
) -> list[dict[str, Any]]:
    """Validate what is asked: known purpose, recipients that play their role, and only
    categories whose covenant basis for that role is consent. Merges duplicates."""
    if purpose not in covenant.purposes:
        raise DomainError(str(_l("Kies een doel uit het convenant.")), field="purpose")
    merged: dict[tuple[str, int | None], set[str]] = {}
    for item in items:
        role = str(item.get("role", ""))
        org_id = item.get("organisation_id")
        if role not in covenant.roles:
            raise DomainError(str(_l("Kies ontvangers uit het convenant.")), field="items")
        allowed = set(consent_categories(covenant, purpose, role))
        categories = set(item.get("categories") or ())
        if not categories or not categories <= allowed:
            raise DomainError(
                str(_l("Vraag alleen toestemming voor gegevens die toestemming nodig hebben.")),
                field="items",
            )
        if org_id is not None:
            org = session.get(Organisation, int(org_id))
            if org is None or org.id == owner_id or role not in covenant.roles_of(org.slug):
                raise DomainError(str(_l("Kies ontvangers uit het convenant.")), field="items")
            org_id = org.id
        merged.setdefault((role, org_id), set()).update(categories)
    if not merged:
        raise DomainError(
            str(_l("Kies minstens één ontvanger en één soort gegevens.")), field="items"
        )
    order = list(covenant.categories)
    return [
        {"role": role, "organisation_id": org_id, "categories": sorted(cats, key=order.index)}
        for (role, org_id), cats in merged.items()
    ]


# --- small helpers ----------------------------------------------------------------------------


def _require_owner(actor: Actor, case: Case) -> None:
    if actor.kind != "staff" or actor.organisation_id != case.organisation_id:
        raise Forbidden()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(code: str, salt: str) -> str:
    key = hashlib.sha256(b"kp-consent-code|" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{salt}|{code}".encode(), hashlib.sha256).hexdigest()


def _adult_person(case: Case, person_id: int) -> Person:
    person = next((p for p in case.persons if p.id == person_id), None)
    if person is None or is_minor(person):
        raise DomainError(str(_l("Kies een volwassen lid van het huishouden.")), field="person")
    return person


def _covenant_now(session: Session) -> tuple[Covenant, int]:
    covenant = active_covenant(session)
    assert covenant.version_id is not None
    return covenant, covenant.version_id


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def tenant_link(token: str) -> str:
    """The link in an invitation: where the tenant opens the request."""
    return public_url(url_for("consent_tenant.open_link", token=token))


def case_consent_url(case_id: int) -> str:
    return public_url(f"/casussen/{case_id}/toestemming")


def _plain(value: Any) -> Any:
    return None if isinstance(value, Withheld) else value


@dataclass(frozen=True, repr=False)
class Representative:
    """A legal representative who gives consent for the tenant. Holds plaintext: no repr."""

    name: str
    mandate: str
    email: str | None = None
    phone: str | None = None

    def __repr__(self) -> str:
        return "<Representative>"

    def cleaned(self) -> Representative:
        name = " ".join((self.name or "").split())
        if not name:
            raise DomainError(str(_l("Vul de naam van de vertegenwoordiger in.")), field="rep_name")
        if self.mandate not in MANDATES:
            raise DomainError(str(_l("Kies het soort vertegenwoordiging.")), field="rep_mandate")
        email = phone = None
        try:
            if self.email and self.email.strip():
                email = blind_index.normalise_email(self.email)
        except ValueError:
            raise DomainError(str(_l("Dit e-mailadres klopt niet.")), field="rep_email") from None
        try:
            if self.phone and self.phone.strip():
                phone = blind_index.normalise_phone(self.phone)
        except ValueError:
            raise DomainError(
                str(_l("Dit telefoonnummer klopt niet.")), field="rep_phone"
            ) from None
        return Representative(name[:200], self.mandate, email, phone)


# --- asking ------------------------------------------------------------------------------------


def _contact(session: Session, request: ConsentRequest) -> dict[str, str | None]:
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
            "email": _plain(shown.get(request, "representative_email")),
            "phone": _plain(shown.get(request, "representative_phone")),
        }
    shown = reveal(
        session,
        INVITATION_ACTOR,
        request.case,
        {request.person: ["email", "phone"]},
        action="consent.contact_lookup",
    )
    return {
        "email": _plain(shown.get(request.person, "email")),
        "phone": _plain(shown.get(request.person, "phone")),
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


def _issue(
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
        channel=channel, token_hash=_hash_token(token), created_at=now, expires_at=expires
    )
    request.invitations.append(invitation)
    session.flush()
    if channel == "letter":
        return token
    contact = contact if contact is not None else _contact(session, request)
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


def request_consent(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    person_id: int,
    purpose: str,
    items: Iterable[Mapping[str, Any]],
    channels: Iterable[str],
    language: str,
    valid_days: int,
    link_for: Callable[[str], str],
    representative: Representative | None = None,
    reask_reason: str | None = None,
    now: datetime | None = None,
) -> tuple[ConsentRequest, dict[str, str]]:
    """Ask for consent; returns the request and the token of each channel's link.

    Asking again for a category the tenant declined or withdrew (``refusals``) needs a
    ``reask_reason``: her no deserves a deliberate step, not a reflex. The reason is kept
    encrypted with the request."""
    _require_owner(actor, case)
    now = now or utcnow()
    if case.status == "closed":
        raise DomainError(str(_l("Deze casus is gesloten.")))
    person = _adult_person(case, person_id)
    covenant, version_id = _covenant_now(session)
    cleaned = clean_items(session, covenant, purpose, items, case.organisation_id)
    asked_again = _refused_in(session, case, purpose, cleaned)
    reason = " ".join((reask_reason or "").split())[:2000] or None
    if asked_again and (reason is None or len(reason) < 3):
        raise DomainError(
            str(
                _l(
                    "U vraagt iets opnieuw dat de huurder eerder weigerde of introk. "
                    "Geef een reden."
                )
            ),
            field="reask_reason",
        )
    channel_list = [c for c in CHANNELS if c in set(channels)]
    if not channel_list or set(channels) - set(CHANNELS):
        raise DomainError(str(_l("Kies hoe de uitnodiging verstuurd wordt.")), field="channels")
    if language not in LANGUAGES:
        raise DomainError(str(_l("Kies een taal.")), field="language")
    if valid_days not in VALIDITY_DAYS:
        raise DomainError(str(_l("Kies hoe lang de toestemming geldt.")), field="valid_days")
    rep = representative.cleaned() if representative is not None else None
    request = ConsentRequest(
        case=case,
        person=person,
        organisation_id=case.organisation_id,
        requested_by_id=actor.user_id,
        purpose=purpose,
        items=cleaned,
        method="online",
        channels=channel_list,
        language=language,
        valid_days=valid_days,
        status="pending",
        covenant_version_id=version_id,
        created_at=now,
    )
    if rep is not None:
        request.representative_name = rep.name
        request.representative_mandate = rep.mandate
        request.representative_email = rep.email
        request.representative_phone = rep.phone
    if asked_again:
        request.notes = reason
    session.add(request)
    session.flush()
    contact = None
    if any(c in ("email", "sms") for c in channel_list):
        contact = {"email": rep.email, "phone": rep.phone} if rep else _contact(session, request)
    tokens = {
        channel: _issue(session, request, channel, link_for, now, contact)
        for channel in channel_list
        if channel != "letter"
    }
    audit(
        session,
        actor,
        "consent.requested",
        case_id=case.id,
        person_id=person.id,
        categories=sorted({c for item in cleaned for c in item["categories"]}),
        detail={
            "request": request.reference,
            "purpose": purpose,
            "channels": channel_list,
            "recipients": len(cleaned),
            "representative": rep is not None,
            **({"asked_again": asked_again} if asked_again else {}),
        },
    )
    return request, tokens


#: One-click requests reach the tenant by the first channel that works: a text message, an
#: e-mail, or else a letter for the caseworker to print.
QUICK_CHANNELS = ("sms", "email", "letter")


def pending_request(
    session: Session, case: Case, purpose: str, organisation_id: int
) -> ConsentRequest | None:
    """The open request of ``case`` that asks consent for ``organisation_id`` and ``purpose``."""
    pending = session.scalars(
        select(ConsentRequest)
        .where(
            ConsentRequest.case_id == case.id,
            ConsentRequest.purpose == purpose,
            ConsentRequest.status == "pending",
        )
        .order_by(ConsentRequest.id.desc())
    )
    return next(
        (r for r in pending if any(i["organisation_id"] == organisation_id for i in r.items)),
        None,
    )


@dataclass(frozen=True)
class Refusal:
    """The tenant's last word on a category for a recipient was no: she declined it when
    asked ("declined") or withdrew it later ("withdrawn"), at ``at``."""

    kind: str
    at: datetime


def refusals(
    session: Session, case: Case, purpose: str, role: str, organisation_id: int | None
) -> dict[str, Refusal]:
    """Per category, the tenant's refusal for this recipient and purpose, if her last answer
    was no.

    A professional must not ask again as if nothing happened: asking again needs a reason
    (``request_consent``), and the one-click request skips these categories (``ask_missing``).
    Read from what the portal already holds: records given (yes), withdrawal events (no),
    and answered requests whose items a record does not cover (declined). A record or
    request naming no organisation counts for every organisation in its role. The latest
    answer per category wins, so consent given again clears an earlier refusal; an expiry
    is not a refusal.
    """

    def concerns(item_role: str, item_org: int | None) -> bool:
        return item_role == role and (item_org is None or item_org == organisation_id)

    timeline: dict[str, list[tuple[datetime, int, str]]] = {}

    def note(category: str, at: datetime | None, kind: str) -> None:
        if at is not None:
            order = {"given": 0, "declined": 1, "withdrawn": 2}[kind]
            timeline.setdefault(category, []).append((at, order, kind))

    records = list(
        session.scalars(
            select(ConsentRecord).where(
                ConsentRecord.case_id == case.id, ConsentRecord.purpose == purpose
            )
        )
    )
    covered: dict[int, set[tuple[str, int | None, str]]] = {}
    mine: list[int] = []
    for r in records:
        if r.request_id is not None:
            covered.setdefault(r.request_id, set()).update(
                (r.recipient_role, r.recipient_organisation_id, c) for c in r.categories
            )
        if not concerns(r.recipient_role, r.recipient_organisation_id):
            continue
        for c in r.categories:
            note(c, r.given_at, "given")
        mine.append(r.id)
    if mine:  # queried afresh: a withdrawal in this session counts at once
        for e in session.scalars(
            select(ConsentEvent).where(
                ConsentEvent.record_id.in_(mine), ConsentEvent.kind == "withdrawn"
            )
        ):
            for c in e.categories:
                note(c, e.occurred_at, "withdrawn")
    answered = session.scalars(
        select(ConsentRequest).where(
            ConsentRequest.case_id == case.id,
            ConsentRequest.purpose == purpose,
            ConsentRequest.status == "answered",
        )
    )
    for req in answered:
        got = covered.get(req.id, set())
        for item in req.items:
            org = item.get("organisation_id")
            if not concerns(item["role"], org):
                continue
            for c in item["categories"]:
                if (item["role"], org, c) not in got:
                    note(c, req.answered_at, "declined")
    found = {}
    for category, answers in timeline.items():
        at, _order, kind = max(answers)
        if kind != "given":
            found[category] = Refusal(kind, at)
    return found


def _refused_in(
    session: Session, case: Case, purpose: str, items: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The categories of ``items`` the tenant refused for that recipient, in item order."""
    found: list[str] = []
    for item in items:
        refused = refusals(session, case, purpose, item["role"], item.get("organisation_id"))
        found += [c for c in item["categories"] if c in refused and c not in found]
    return found


def ask_missing(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    purpose: str,
    role: str,
    organisation_id: int,
    categories: Iterable[str],
    link_for: Callable[[str], str],
    now: datetime | None = None,
) -> tuple[ConsentRequest, str, str]:
    """Ask the tenant, in one click, for the categories a handover package still misses.

    Categories she declined or withdrew (``refusals``) are left out: one click must not
    overrule her no; asking again takes the full form and a reason. The sensible defaults
    of the full form: the main tenant, in Dutch (the tenant can switch language on the
    page), valid for a year, by the first channel that can reach them.
    Returns the request, the channel used and that channel's token.
    """
    if pending_request(session, case, purpose, organisation_id) is not None:
        raise Conflict(str(_l("Er loopt al een verzoek om toestemming voor deze partner.")))
    refused = refusals(session, case, purpose, role, organisation_id)
    askable = [c for c in categories if c not in refused]
    if not askable:
        raise DomainError(
            str(
                _l(
                    "De huurder zei hier eerder nee tegen. Opnieuw vragen kan alleen met een "
                    "reden, op de pagina Toestemming vragen."
                )
            )
        )
    items = [{"role": role, "organisation_id": organisation_id, "categories": askable}]
    for channel in QUICK_CHANNELS:
        try:
            with session.begin_nested():
                request, tokens = request_consent(
                    session,
                    actor,
                    case,
                    person_id=first_adult(case).id,
                    purpose=purpose,
                    items=items,
                    channels=[channel],
                    language="nl",
                    valid_days=365,
                    link_for=link_for,
                    now=now,
                )
        except DomainError as exc:
            if exc.params.get("field") != "channels":
                raise
            continue  # no phone (or no SMS here), no e-mail address: try the next channel
        return request, channel, tokens.get(channel, "")
    raise DomainError(str(_l("De huurder is op geen enkele manier te bereiken.")))


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
        _require_owner(actor, request.case)
    _require_open(request)
    if channel not in CHANNELS:
        raise DomainError(str(_l("Kies hoe de uitnodiging verstuurd wordt.")), field="channels")
    now = now or utcnow()
    token = _issue(session, request, channel, link_for, now)
    audit(
        session,
        actor,
        "consent.invitation_sent",
        case_id=request.case_id,
        person_id=request.person_id,
        detail={"request": request.reference, "channel": channel},
    )
    return token


def cancel_request(
    session: Session, actor: Actor, request: ConsentRequest, *, now: datetime | None = None
) -> None:
    _require_owner(actor, request.case)
    now = now or utcnow()
    done = session.execute(
        update(ConsentRequest)
        .where(
            ConsentRequest.id == request.id,
            ConsentRequest.status.in_(("pending", "unconfirmed")),
        )
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
        raise Conflict(str(_l("Dit verzoek is al beantwoord of ingetrokken.")))
    session.refresh(request)
    for invitation in request.invitations:
        if invitation.state(now) == "open":
            invitation.revoked_at = now
    session.flush()
    audit(
        session,
        actor,
        "consent.request_cancelled",
        case_id=request.case_id,
        person_id=request.person_id,
        detail={"request": request.reference},
    )


# --- the link and the identity check ------------------------------------------------------------


def open_invitation(
    session: Session, token: str, now: datetime | None = None
) -> tuple[ConsentInvitation | None, str]:
    """The invitation a link belongs to and its state: "open", "used", "expired", "revoked",
    "closed" (the request was answered or cancelled) or "unknown"."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None, "unknown"
    invitation = session.scalar(
        select(ConsentInvitation).where(ConsentInvitation.token_hash == _hash_token(token))
    )
    if invitation is None:
        return None, "unknown"
    state = invitation.state(now)
    if state == "open" and invitation.request.status != "pending":
        state = "closed"
    return invitation, state


def _locked(session: Session, person_ids: Sequence[int], now: datetime) -> bool:
    if not person_ids:
        return False
    return (
        session.scalar(
            select(IdentityLock.person_id).where(
                IdentityLock.person_id.in_(person_ids), IdentityLock.locked_until > now
            )
        )
        is not None
    )


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _send_code(
    session: Session, channel: str, to: str, code: str, language: str, minutes: int
) -> None:
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
    if _locked(session, [request.person_id], now):
        raise IdentityRefused("locked")
    contact = _contact(session, request)
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
    minutes = current_app.config["CONSENT_CODE_MINUTES"]
    code = _new_code()
    salt = _hash_token(browser_secret)
    challenge = IdentityChallenge(
        kind="link",
        invitation_id=invitation.id,
        person_ids=[request.person_id],
        channel=channel,
        code_hash=_code_hash(code, salt),
        browser_hash=salt,
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(challenge)
    session.flush()
    to = contact["phone"] if channel == "sms" else contact["email"]
    _send_code(session, channel, str(to), code, language, minutes)
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
    person_ids = sorted({p.id for p in persons})
    if _locked(session, person_ids, now):
        raise IdentityRefused("locked")
    channel = "email" if index_field == "email" else "sms"
    if channel == "sms" and not sms.available():
        channel = None
    minutes = current_app.config["CONSENT_CODE_MINUTES"]
    code = _new_code()
    salt = _hash_token(browser_secret)
    challenge = IdentityChallenge(
        kind="return",
        person_ids=person_ids if channel else [],
        channel=channel,
        code_hash=_code_hash(code, salt),
        browser_hash=salt,
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(challenge)
    session.flush()
    if person_ids and channel:
        _send_code(session, channel, normalised, code, language, minutes)
    audit(
        session,
        actor,
        "consent.code_requested",
        detail={"by": index_field, "matched": bool(person_ids), "challenge": challenge.id},
    )
    return challenge


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
            found[p.id] = _plain(shown.get(p, "birth_date"))
    return found


def _count_failure(
    session: Session, actor: Actor, person_ids: Sequence[int], now: datetime
) -> bool:
    """One more failure for each candidate; True if that locked someone."""
    limit = current_app.config["CONSENT_MAX_ATTEMPTS"]
    locked = False
    for pid in person_ids:
        lock = session.get(IdentityLock, pid)
        if lock is None:
            lock = IdentityLock(person_id=pid, failures=0)
            session.add(lock)
        lock.failures = (lock.failures or 0) + 1
        lock.updated_at = now
        if lock.failures >= limit:
            lock.locked_until = now + timedelta(minutes=current_app.config["CONSENT_LOCK_MINUTES"])
            lock.failures = 0
            locked = True
            audit(session, actor, "consent.identity_locked", person_id=pid)
    session.flush()
    return locked


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
    if not hmac.compare_digest(challenge.browser_hash, _hash_token(browser_secret)):
        raise IdentityRefused("expired")
    if challenge.verified_at is not None or challenge.expires_at <= now:
        raise IdentityRefused("expired")
    if challenge.attempts >= limit:
        raise IdentityRefused("locked")
    if _locked(session, challenge.person_ids, now):
        raise IdentityRefused("locked")
    challenge.attempts += 1
    code_ok = hmac.compare_digest(
        challenge.code_hash, _code_hash((code or "").strip(), challenge.browser_hash)
    )
    matched: list[int] = []
    if code_ok and birth_date is not None and challenge.person_ids:
        persons = [p for p in (session.get(Person, i) for i in challenge.person_ids) if p]
        dates = _birth_dates(session, persons)
        matched = [p.id for p in persons if dates.get(p.id) == birth_date]
    if not matched:
        locked = _count_failure(session, actor, challenge.person_ids, now)
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
    for pid in matched:
        lock = session.get(IdentityLock, pid)
        if lock is not None:
            lock.failures = 0
    if challenge.kind == "link":
        _use_invitation(session, challenge.invitation_id, now)
    session.flush()
    for pid in matched:
        audit(
            session,
            actor,
            "consent.identity_proved",
            person_id=pid,
            detail={"via": "code", "challenge": challenge.id},
        )
    return matched


def _use_invitation(session: Session, invitation_id: int | None, now: datetime) -> None:
    """Single use: one UPDATE that succeeds only for an open link of a pending request."""
    done = session.execute(
        update(ConsentInvitation)
        .where(
            ConsentInvitation.id == invitation_id,
            ConsentInvitation.used_at.is_(None),
            ConsentInvitation.revoked_at.is_(None),
            ConsentInvitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
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


# --- the statement and the answer ---------------------------------------------------------------


def recipient_name(session: Session, covenant: Covenant, item: Mapping[str, Any], lang: str) -> str:
    """How a tenant reads a recipient: the organisation and its role, or the role alone."""
    role = covenant.roles[item["role"]].name.get(lang)
    org_id = item.get("organisation_id")
    if org_id is None:
        with force_locale(lang):
            return _("elke organisatie die werkt als %(role)s", role=role.lower())
    org = session.get(Organisation, org_id)
    partner = covenant.partners.get(org.slug) if org else None
    name = partner.name.get(lang) if partner else (org.name if org else "?")
    return f"{name} ({role})"


def statement(
    session: Session,
    covenant: Covenant,
    *,
    owner: Organisation,
    purpose: str,
    items: Sequence[Mapping[str, Any]],
    choices: Mapping[int, Iterable[str]],
    valid_until: date,
    language: str,
    representative: bool,
) -> str:
    """The exact text the tenant confirms: what is shared, with whom, why, and until when.

    Built from codes and organisation names only (no personal data), in the tenant's
    language; its SHA-256 is stored with every record given under it."""
    lang = language
    purpose_rules = covenant.purposes[purpose]
    with force_locale(lang):
        owner_name = (
            covenant.partners[owner.slug].name.get(lang)
            if owner.slug in covenant.partners
            else owner.name
        )
        lines = [
            _("Toestemming voor het delen van gegevens"),
            "",
            _("Doel: %(purpose)s.", purpose=purpose_rules.name.get(lang)),
            purpose_rules.plain.get(lang),
            "",
        ]
        if representative:
            lines += [_("Ik geef deze antwoorden als wettelijk vertegenwoordiger."), ""]
        agreed, declined = [], []
        for index, item in enumerate(items):
            chosen = set(choices.get(index, ()))
            name = recipient_name(session, covenant, item, lang)
            yes = [covenant.categories[c].name.get(lang) for c in item["categories"] if c in chosen]
            no = [
                covenant.categories[c].name.get(lang) for c in item["categories"] if c not in chosen
            ]
            if yes:
                agreed.append(f"- {name}: {', '.join(yes)}")
            if no:
                declined.append(f"- {name}: {', '.join(no)}")
        if agreed:
            lines += [
                _("Ik geef %(owner)s toestemming om deze gegevens te delen met:", owner=owner_name),
                *agreed,
                "",
            ]
        if declined:
            lines += [_("Ik geef geen toestemming voor:"), *declined, ""]
        until = format_date(valid_until, format="long", locale=lang)
        lines += [
            _("Deze toestemming geldt tot en met %(date)s.", date=until),
            _("Ik mag mijn toestemming altijd intrekken. Dat is net zo makkelijk als ja zeggen."),
        ]
    return "\n".join(lines)


def text_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _store_text(session: Session, body: str, language: str) -> ConsentText:
    digest = text_sha256(body)
    existing = session.get(ConsentText, digest)
    if existing is not None:
        return existing
    text = ConsentText(sha256=digest, version=STATEMENT_VERSION, language=language, body=body)
    session.add(text)
    session.flush()
    return text


def valid_until_for(request: ConsentRequest, now: datetime) -> datetime:
    return now + timedelta(days=request.valid_days)


def tenant_statement(
    session: Session,
    request: ConsentRequest,
    choices: Mapping[int, Iterable[str]],
    language: str,
    now: datetime | None = None,
) -> str:
    """The statement the check-your-answers page shows (and ``answer_request`` recomputes)."""
    now = now or utcnow()
    return statement(
        session,
        active_covenant(session),
        owner=request.organisation,
        purpose=request.purpose,
        items=request.items,
        choices=choices,
        valid_until=valid_until_for(request, now).date(),
        language=language,
        representative=request.has_representative,
    )


def _legal_basis(covenant: Covenant, categories: Iterable[str]) -> str:
    special = any(covenant.categories[c].special for c in categories)
    return GDPR_EXPLICIT_CONSENT if special else GDPR_CONSENT


def _create_records(
    session: Session,
    covenant: Covenant,
    *,
    case: Case,
    person_id: int,
    request: ConsentRequest | None,
    purpose: str,
    items: Sequence[Mapping[str, Any]],
    choices: Mapping[int, Iterable[str]],
    text: ConsentText,
    method: str,
    given_by: str,
    representative: tuple[str | None, str | None],
    notes: str | None,
    collected_by_id: int | None,
    confirmed_by_id: int | None,
    valid_until: datetime,
    now: datetime,
) -> tuple[str, list[ConsentRecord]]:
    receipt_id = str(uuid.uuid4())
    records = []
    for index, item in enumerate(items):
        chosen = [c for c in item["categories"] if c in set(choices.get(index, ()))]
        if not chosen:
            continue
        record = ConsentRecord(
            case=case,
            person_id=person_id,
            request_id=request.id if request else None,
            receipt_id=receipt_id,
            organisation_id=case.organisation_id,
            recipient_role=item["role"],
            recipient_organisation_id=item.get("organisation_id"),
            purpose=purpose,
            categories=chosen,
            legal_basis=_legal_basis(covenant, chosen),
            text_sha256=text.sha256,
            text_version=text.version,
            language=text.language,
            method=method,
            given_by=given_by,
            collected_by_id=collected_by_id,
            confirmed_by_id=confirmed_by_id,
            given_at=now,
            valid_until=valid_until,
            covenant_version_id=covenant.version_id,
            created_at=now,
        )
        record.representative_name = representative[0]
        record.representative_mandate = representative[1]
        record.notes = notes
        session.add(record)
        records.append(record)
    session.flush()
    return receipt_id, records


def _representative_of(
    session: Session, actor: Actor, request: ConsentRequest
) -> tuple[str | None, str | None]:
    if not request.has_representative:
        return None, None
    shown = reveal(
        session,
        actor,
        request.case,
        {request: ["representative_name", "representative_mandate"]},
        action="consent.record_representative",
    )
    return (
        _plain(shown.get(request, "representative_name")),
        _plain(shown.get(request, "representative_mandate")),
    )


def _clean_choices(
    request: ConsentRequest, choices: Mapping[int, Iterable[str]]
) -> dict[int, list[str]]:
    cleaned: dict[int, list[str]] = {}
    for index, chosen in choices.items():
        if not isinstance(index, int) or not 0 <= index < len(request.items):
            raise DomainError(str(_l("Controleer uw antwoorden.")))
        allowed = request.items[index]["categories"]
        chosen = set(chosen)
        if not chosen <= set(allowed):
            raise DomainError(str(_l("Controleer uw antwoorden.")))
        cleaned[index] = [c for c in allowed if c in chosen]
    return cleaned


def _claim(session: Session, request: ConsentRequest, from_status: str, now: datetime) -> None:
    """Exactly one answer per request, also when two tabs or workers race."""
    done = session.execute(
        update(ConsentRequest)
        .where(ConsentRequest.id == request.id, ConsentRequest.status == from_status)
        .values(status="answered", answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
        raise Conflict(str(_l("Deze vraag is al beantwoord.")))
    session.refresh(request)


@dataclass
class Answer:
    receipt_id: str | None
    records: list[ConsentRecord]


def answer_request(
    session: Session,
    actor: Actor,
    request: ConsentRequest,
    choices: Mapping[int, Iterable[str]],
    *,
    statement_sha256: str,
    language: str,
    now: datetime | None = None,
) -> Answer:
    """The tenant's answer: one record per recipient they said yes to (none: declined).

    ``statement_sha256`` is the hash of the statement the tenant saw; if the answers or the
    rules changed since, nothing is recorded."""
    now = now or utcnow()
    if actor.kind != "tenant" or actor.person_id != request.person_id:
        raise Forbidden()
    if language not in LANGUAGES:
        language = "nl"
    cleaned = _clean_choices(request, choices)
    covenant, _version = _covenant_now(session)
    try:
        items = clean_items(
            session, covenant, request.purpose, request.items, request.organisation_id
        )
    except DomainError:
        raise Conflict(
            str(_l("De afspraken zijn veranderd. Vraag de organisatie om een nieuwe vraag."))
        ) from None
    if items != request.items:
        raise Conflict(
            str(_l("De afspraken zijn veranderd. Vraag de organisatie om een nieuwe vraag."))
        )
    body = tenant_statement(session, request, cleaned, language, now)
    if not hmac.compare_digest(text_sha256(body), statement_sha256 or ""):
        raise Conflict(str(_l("Uw antwoorden zijn veranderd. Controleer ze nog een keer.")))
    _claim(session, request, "pending", now)
    for invitation in request.invitations:
        if invitation.state(now) == "open":
            invitation.revoked_at = now
    if not any(cleaned.values()):
        audit(
            session,
            actor,
            "consent.declined",
            case_id=request.case_id,
            detail={"request": request.reference},
        )
        return Answer(None, [])
    text = _store_text(session, body, language)
    receipt_id, records = _create_records(
        session,
        covenant,
        case=request.case,
        person_id=request.person_id,
        request=request,
        purpose=request.purpose,
        items=request.items,
        choices=cleaned,
        text=text,
        method="online",
        given_by="representative" if request.has_representative else "subject",
        representative=_representative_of(session, actor, request),
        notes=None,
        collected_by_id=None,
        confirmed_by_id=None,
        valid_until=valid_until_for(request, now),
        now=now,
    )
    return _given(
        session,
        actor,
        request.person,
        records,
        receipt_id,
        method="online",
        request=request.reference,
    )


def _given(
    session: Session,
    actor: Actor,
    person: Person,
    records: list[ConsentRecord],
    receipt_id: str,
    **detail: Any,
) -> Answer:
    """One audit event for the records of one answer, however it was given."""
    audit(
        session,
        actor,
        "consent.given",
        case_id=person.case_id,
        person_id=person.id,
        categories=sorted({c for r in records for c in r.categories}),
        detail={"receipt": receipt_id, "records": [r.id for r in records], **detail},
    )
    return Answer(receipt_id, records)


# --- consent recorded by professionals ------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Evidence:
    """An uploaded scan of a signed paper form."""

    content: bytes
    media_type: str

    def __repr__(self) -> str:
        return "<Evidence>"


def record_offline(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    person_id: int,
    purpose: str,
    items: Iterable[Mapping[str, Any]],
    method: str,
    language: str,
    valid_days: int,
    representative: Representative | None = None,
    notes: str | None = None,
    evidence: Evidence | None = None,
    now: datetime | None = None,
) -> ConsentRequest | Answer:
    """Consent given on paper (signed and scanned: recorded now) or verbally (recorded now,
    counts only once a second professional confirms: ``confirm_verbal``)."""
    _require_owner(actor, case)
    now = now or utcnow()
    person = _adult_person(case, person_id)
    covenant, version_id = _covenant_now(session)
    cleaned = clean_items(session, covenant, purpose, items, case.organisation_id)
    if method not in ("verbal", "paper"):
        raise DomainError(str(_l("Kies hoe de toestemming is gegeven.")), field="method")
    if language not in LANGUAGES:
        raise DomainError(str(_l("Kies een taal.")), field="language")
    if valid_days not in VALIDITY_DAYS:
        raise DomainError(str(_l("Kies hoe lang de toestemming geldt.")), field="valid_days")
    rep = representative.cleaned() if representative is not None else None
    notes = (notes or "").strip()[:2000] or None
    if method == "verbal":
        request = ConsentRequest(
            case=case,
            person=person,
            organisation_id=case.organisation_id,
            requested_by_id=actor.user_id,
            purpose=purpose,
            items=cleaned,
            method="verbal",
            channels=[],
            language=language,
            valid_days=valid_days,
            status="unconfirmed",
            covenant_version_id=version_id,
            created_at=now,
        )
        if rep is not None:
            request.representative_name = rep.name
            request.representative_mandate = rep.mandate
        request.notes = notes
        session.add(request)
        session.flush()
        audit(
            session,
            actor,
            "consent.verbal_recorded",
            case_id=case.id,
            person_id=person.id,
            categories=sorted({c for i in cleaned for c in i["categories"]}),
            detail={"request": request.reference, "purpose": purpose},
        )
        return request
    if evidence is None or not evidence.content:
        raise DomainError(str(_l("Voeg de scan van het getekende formulier toe.")), field="scan")
    if evidence.media_type not in EVIDENCE_TYPES or len(evidence.content) > EVIDENCE_MAX_BYTES:
        raise DomainError(
            str(_l("De scan moet een PDF, JPEG of PNG zijn van hoogstens 10 MB.")), field="scan"
        )
    all_yes = {i: item["categories"] for i, item in enumerate(cleaned)}
    body = statement(
        session,
        covenant,
        owner=case.organisation,
        purpose=purpose,
        items=cleaned,
        choices=all_yes,
        valid_until=(now + timedelta(days=valid_days)).date(),
        language=language,
        representative=rep is not None,
    )
    text = _store_text(session, body, language)
    receipt_id, records = _create_records(
        session,
        covenant,
        case=case,
        person_id=person.id,
        request=None,
        purpose=purpose,
        items=cleaned,
        choices=all_yes,
        text=text,
        method="paper",
        given_by="representative" if rep else "subject",
        representative=(rep.name, rep.mandate) if rep else (None, None),
        notes=notes,
        collected_by_id=actor.user_id,
        confirmed_by_id=None,
        valid_until=now + timedelta(days=valid_days),
        now=now,
    )
    digest = hashlib.sha256(evidence.content).hexdigest()
    for record in records:
        scan = ConsentEvidence(
            record=record,
            media_type=evidence.media_type,
            sha256=digest,
            size=len(evidence.content),
            created_at=now,
        )
        scan.content = base64.b64encode(evidence.content).decode("ascii")
        session.add(scan)
    session.flush()
    return _given(session, actor, person, records, receipt_id, method="paper", scan_sha256=digest)


def confirm_verbal(
    session: Session, actor: Actor, request: ConsentRequest, *, now: datetime | None = None
) -> Answer:
    """A second professional of the same organisation confirms a verbal consent."""
    _require_owner(actor, request.case)
    now = now or utcnow()
    if request.method != "verbal" or request.status != "unconfirmed":
        raise Conflict(str(_l("Dit verzoek is al beantwoord of ingetrokken.")))
    if actor.user_id is None or actor.user_id == request.requested_by_id:
        raise DomainError(str(_l("Een andere collega moet een mondelinge toestemming bevestigen.")))
    covenant, _version = _covenant_now(session)
    try:
        items = clean_items(
            session, covenant, request.purpose, request.items, request.organisation_id
        )
    except DomainError:
        raise Conflict(
            str(_l("De afspraken zijn veranderd. Leg de toestemming opnieuw vast."))
        ) from None
    all_yes = {i: item["categories"] for i, item in enumerate(items)}
    valid_until = now + timedelta(days=request.valid_days)
    body = statement(
        session,
        covenant,
        owner=request.organisation,
        purpose=request.purpose,
        items=items,
        choices=all_yes,
        valid_until=valid_until.date(),
        language=request.language,
        representative=request.has_representative,
    )
    _claim(session, request, "unconfirmed", now)
    text = _store_text(session, body, request.language)
    shown = reveal(
        session,
        actor,
        request.case,
        {request: ["representative_name", "representative_mandate", "notes"]},
        action="consent.record_representative",
    )
    receipt_id, records = _create_records(
        session,
        covenant,
        case=request.case,
        person_id=request.person_id,
        request=request,
        purpose=request.purpose,
        items=items,
        choices=all_yes,
        text=text,
        method="verbal",
        given_by="representative" if request.has_representative else "subject",
        representative=(
            _plain(shown.get(request, "representative_name")),
            _plain(shown.get(request, "representative_mandate")),
        ),
        notes=_plain(shown.get(request, "notes")),
        collected_by_id=request.requested_by_id,
        confirmed_by_id=actor.user_id,
        valid_until=valid_until,
        now=now,
    )
    return _given(
        session,
        actor,
        request.person,
        records,
        receipt_id,
        method="verbal",
        request=request.reference,
    )


# --- withdrawal and expiry ----------------------------------------------------------------------


def received_under(session: Session, record: ConsentRecord) -> list[int]:
    """Organisations that were shown data on the basis of this consent (from the audit log:
    the policy point writes ``consent:<id>`` as the basis of each category it showed)."""
    marker = f'"consent:{record.id}"'
    found = session.scalars(
        select(AuditEvent.organisation_id)
        .where(
            AuditEvent.case_id == record.case_id,
            AuditEvent.organisation_id.is_not(None),
            AuditEvent.detail.contains(marker),
        )
        .distinct()
    )
    return sorted({org for org in found if org is not None and org != record.organisation_id})


def _staff_addresses(session: Session, organisation_id: int) -> list[str]:
    users = session.scalars(
        select(User)
        .join(UserRole)
        .where(
            User.organisation_id == organisation_id,
            User.active.is_(True),
            UserRole.role.in_(sorted(CASEWORK_ROLES)),
        )
        .distinct()
    )
    return sorted({u.email for u in users})


def _notify(session: Session, organisation_id: int, subject: str, lines: list[str]) -> None:
    for address in _staff_addresses(session, organisation_id):
        enqueue(session, to=address, subject=subject, body="\n".join(lines), kind="consent_notice")


def _after_end(session: Session, record: ConsentRecord, event: ConsentEvent, now: datetime) -> None:
    """Tell the owner, ask every organisation that received data to acknowledge, run hooks."""
    with force_locale("nl"):  # professionals' notices, whatever language the tenant reads
        _notify_end(session, record, event, now)
    hooks.emit_withdrawn(session, record, event)


def _notify_end(
    session: Session, record: ConsentRecord, event: ConsentEvent, now: datetime
) -> None:
    case = record.case
    ended = _("Toestemming ingetrokken") if event.kind == "withdrawn" else _("Toestemming verlopen")
    link = case_consent_url(case.id)
    _notify(
        session,
        record.organisation_id,
        f"{ended} ({case.reference})",
        [
            _(
                "Voor casus %(ref)s is een toestemming %(what)s (toestemming %(id)s).",
                ref=case.reference,
                what=ended.lower(),
                id=record.id,
            ),
            _("Bekijk de casus: %(link)s", link=link),
        ],
    )
    for org_id in received_under(session, record):
        ack = ConsentAcknowledgement(
            event=event,
            record_id=record.id,
            case_id=case.id,
            organisation_id=org_id,
            created_at=now,
        )
        session.add(ack)
        _notify(
            session,
            org_id,
            _(
                "%(what)s: bevestig dat u dit heeft gezien (%(ref)s)",
                what=ended,
                ref=case.reference,
            ),
            [
                _(
                    "Uw organisatie kreeg gegevens van casus %(ref)s op basis van toestemming "
                    "%(id)s. Die toestemming geldt niet meer.",
                    ref=case.reference,
                    id=record.id,
                ),
                _("Bevestig in het portaal dat u dit heeft gezien: %(link)s", link=link),
            ],
        )
    session.flush()


def withdraw(
    session: Session,
    actor: Actor,
    record: ConsentRecord,
    categories: Iterable[str] | None = None,
    *,
    method: str | None = None,
    now: datetime | None = None,
) -> ConsentEvent:
    """Withdraw some (or, with ``None``, all) of a record's categories that still count.

    The tenant withdraws online; a professional of the owner records a withdrawal the tenant
    gave by phone, in person ("verbal") or in writing ("paper"). Takes effect on the next
    request: the policy point reads the events every time."""
    now = now or utcnow()
    if actor.kind == "tenant":
        if actor.person_id != record.person_id:
            raise NotFound()
        method = "online"
    elif actor.kind == "staff":
        _require_owner(actor, record.case)
        if method not in ("verbal", "paper"):
            raise DomainError(str(_l("Kies hoe de huurder de toestemming introk.")), field="method")
    else:
        raise Forbidden()
    from consent.policy import states

    state = states(session, [record], now)[record.id]
    active = state.active
    chosen = active if categories is None else [c for c in active if c in set(categories)]
    if categories is not None and set(categories) - set(active):
        raise DomainError(str(_l("Kies wat u wilt intrekken.")), field="categories")
    if not chosen:
        raise DomainError(str(_l("Kies wat u wilt intrekken.")), field="categories")
    event = ConsentEvent(
        record_id=record.id,
        kind="withdrawn",
        categories=chosen,
        occurred_at=now,
        method=method,
        given_by=record.given_by if actor.kind == "tenant" else None,
        ends_record=set(chosen) == set(active),
        actor_kind=actor.kind,
        user_id=actor.user_id,
    )
    session.add(event)
    session.flush()
    audit(
        session,
        actor,
        "consent.withdrawn",
        case_id=record.case_id,
        person_id=record.person_id,
        categories=chosen,
        detail={"record": record.id, "method": method, "event": event.id},
    )
    _after_end(session, record, event, now)
    return event


def expire_due(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[ConsentEvent]:
    """Record the expiry of every record whose period ended (a job: ``flask consent expire``).

    The policy point already treats such records as expired; the event makes it visible and
    notifies the owner and the recipients."""
    from consent.policy import states

    now = now or utcnow()
    ended = exists().where(
        ConsentEvent.record_id == ConsentRecord.id,
        or_(ConsentEvent.kind == "expired", ConsentEvent.ends_record),
    )
    due = list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.valid_until <= now, ~ended)
            .order_by(ConsentRecord.id)
        )
    )
    found = states(session, due, now)
    done = []
    for record in due:
        remaining = [c for c in record.categories if c not in found[record.id].withdrawn]
        event = ConsentEvent(
            record_id=record.id,
            kind="expired",
            categories=remaining,
            occurred_at=now,
            method="system",
            ends_record=True,
            actor_kind=actor.kind,
            user_id=actor.user_id,
        )
        session.add(event)
        session.flush()
        audit(
            session,
            actor,
            "consent.expired",
            case_id=record.case_id,
            person_id=record.person_id,
            categories=remaining,
            detail={"record": record.id, "event": event.id},
        )
        _after_end(session, record, event, now)
        done.append(event)
    return done


def acknowledge(
    session: Session,
    actor: Actor,
    acknowledgement: ConsentAcknowledgement,
    *,
    now: datetime | None = None,
) -> ConsentAcknowledgement:
    """A recipient organisation confirms it saw the withdrawal or expiry."""
    if actor.kind != "staff" or actor.organisation_id != acknowledgement.organisation_id:
        raise NotFound()
    now = now or utcnow()
    done = session.execute(
        update(ConsentAcknowledgement)
        .where(
            ConsentAcknowledgement.id == acknowledgement.id,
            ConsentAcknowledgement.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now, acknowledged_by_id=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
        raise Conflict(str(_l("Dit is al bevestigd.")))
    session.refresh(acknowledgement)
    audit(
        session,
        actor,
        "consent.acknowledged",
        case_id=acknowledgement.case_id,
        detail={"record": acknowledgement.record_id, "event": acknowledgement.event_id},
    )
    return acknowledgement


def first_adult(case: Case) -> Person:
    main = next((p for p in case.persons if p.is_main_tenant), None)
    if main is not None and not is_minor(main):
        return main
    adult = next((p for p in case.persons if not is_minor(p)), None)
    if adult is None:
        raise NotFound()
    return adult
