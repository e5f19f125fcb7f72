"""Asking for consent: a professional of the case's owner asks the tenant for a purpose,
recipients and categories, online (an invitation by e-mail, SMS or letter) or verbally (to
be confirmed by a colleague); and the one-click request of a handover.

An online and a verbal request are built by one builder (``build_request``) after the same
checks (``check_asked``, ``check_terms``), and both are recorded by one audit event shape
(``audit_request``), so the two ways of asking cannot drift apart. Consent on paper is
checked by the same rules (``consent.service.offline``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consent.models import CHANNELS, ConsentRequest
from consent.service._common import adult_person, covenant_now, first_adult, require_owner
from consent.service.invitations import contact_for, issue_link
from consent.service.options import clean_items
from consent.service.refusal import refusals, refused_in
from consent.service.representative import Representative
from portal.actor import Actor
from portal.audit.service import record as audit
from portal.cases.models import Case, Person
from portal.covenant.rules import Covenant
from portal.db import changed_rows, utcnow
from portal.errors import Conflict, DomainError

VALIDITY_DAYS = (90, 180, 365, 730)
LANGUAGES = ("nl", "en", "tr", "ar")

#: One-click requests reach the tenant by the first channel that works: a text message, an
#: e-mail, or else a letter for the caseworker to print.
QUICK_CHANNELS = ("sms", "email", "letter")


@dataclass(frozen=True)
class Asked:
    """What a professional asks of whom, checked against the active covenant."""

    person: Person
    covenant: Covenant
    purpose: str
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class Terms:
    """The terms of what is asked: the language of the statement, how long consent holds,
    and the legal representative who answers, if any."""

    language: str
    valid_days: int
    representative: Representative | None


def check_asked(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    person_id: int,
    purpose: str,
    items: Iterable[Mapping[str, Any]],
) -> Asked:
    """The rules of every way of asking (online, verbal, paper) about what and whom: only
    the case's owner asks, an adult of the household, for recipients and categories whose
    covenant basis is consent."""
    require_owner(actor, case)
    person = adult_person(case, person_id)
    covenant = covenant_now(session)
    cleaned = clean_items(session, covenant, purpose, items, case.organisation_id)
    return Asked(person, covenant, purpose, cleaned)


def check_terms(language: str, valid_days: int, representative: Representative | None) -> Terms:
    """The rules of every way of asking about the terms. Checked after what each way asks
    of its own (channels, method), so a form learns of its mistakes in a fixed order."""
    if language not in LANGUAGES:
        raise DomainError(str(_l("Kies een taal.")), field="language")
    if valid_days not in VALIDITY_DAYS:
        raise DomainError(str(_l("Kies hoe lang de toestemming geldt.")), field="valid_days")
    rep = representative.cleaned() if representative is not None else None
    return Terms(language, valid_days, rep)


def build_request(
    session: Session,
    actor: Actor,
    case: Case,
    asked: Asked,
    terms: Terms,
    *,
    method: str,
    channels: list[str],
    status: str,
    notes: str | None,
    now: datetime,
) -> ConsentRequest:
    """The one builder of a consent request, online ("pending", with channels) or verbal
    ("unconfirmed", none). A representative's e-mail address and phone number are kept only
    when invitations will use them: a verbal request sends none."""
    rep = terms.representative
    request = ConsentRequest(
        case=case,
        person=asked.person,
        organisation_id=case.organisation_id,
        requested_by_id=actor.user_id,
        purpose=asked.purpose,
        items=asked.items,
        method=method,
        channels=channels,
        language=terms.language,
        valid_days=terms.valid_days,
        status=status,
        covenant_version_id=asked.covenant.version_id,
        created_at=now,
    )
    if rep is not None:
        request.representative_name = rep.name
        request.representative_mandate = rep.mandate
        if channels:
            request.representative_email = rep.email
            request.representative_phone = rep.phone
    request.notes = notes
    session.add(request)
    session.flush()
    return request


def audit_request(
    session: Session, actor: Actor, action: str, request: ConsentRequest, **detail: Any
) -> None:
    """The audit event of a new request, one shape for every way of asking: the case, the
    person, the categories asked, the request and its purpose, and ``detail``."""
    audit(
        session,
        actor,
        action,
        case_id=request.case_id,
        person_id=request.person_id,
        categories=sorted({c for item in request.items for c in item["categories"]}),
        detail={"request": request.reference, "purpose": request.purpose, **detail},
    )


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
    require_owner(actor, case)
    now = now or utcnow()
    if case.status == "closed":
        raise DomainError(str(_l("Deze casus is gesloten.")))
    asked = check_asked(session, actor, case, person_id=person_id, purpose=purpose, items=items)
    asked_again = refused_in(session, case, purpose, asked.items)
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
    terms = check_terms(language, valid_days, representative)
    rep = terms.representative
    request = build_request(
        session,
        actor,
        case,
        asked,
        terms,
        method="online",
        channels=channel_list,
        status="pending",
        notes=reason if asked_again else None,
        now=now,
    )
    contact = None
    if any(c in ("email", "sms") for c in channel_list):
        contact = {"email": rep.email, "phone": rep.phone} if rep else contact_for(session, request)
    tokens = {
        channel: issue_link(session, request, channel, link_for, now, contact)
        for channel in channel_list
        if channel != "letter"
    }
    audit_request(
        session,
        actor,
        "consent.requested",
        request,
        channels=channel_list,
        recipients=len(asked.items),
        representative=rep is not None,
        **({"asked_again": asked_again} if asked_again else {}),
    )
    return request, tokens


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


def cancel_request(
    session: Session, actor: Actor, request: ConsentRequest, *, now: datetime | None = None
) -> None:
    require_owner(actor, request.case)
    now = now or utcnow()
    done = changed_rows(
        session,
        update(ConsentRequest)
        .where(
            ConsentRequest.id == request.id,
            ConsentRequest.status.in_(("pending", "unconfirmed")),
        )
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False),
    )
    if not done:
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
