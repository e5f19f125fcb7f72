"""The consent statement: the exact text a tenant confirms, built from codes and
organisation names only (no personal data), in the tenant's language, and stored once by
its SHA-256 so every record names the words it was given under."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from consent.models import ConsentRequest, ConsentText
from portal.accounts.models import Organisation
from portal.covenant.rules import Covenant, active_covenant
from portal.db import utcnow
from portal.i18n import join_words

#: The version of the consent statement's wording; stored with every record.
STATEMENT_VERSION = "2026-11"


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
                agreed.append(f"- {name}: {join_words(yes, lang)}")
            if no:
                declined.append(f"- {name}: {join_words(no, lang)}")
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


def store_text(session: Session, body: str, language: str) -> ConsentText:
    """The statement's row, stored once per wording: records given under the same words
    share it."""
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
