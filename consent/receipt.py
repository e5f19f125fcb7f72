"""The consent receipt: what the tenant agreed to, in the Kantara Initiative Consent Receipt
(v1.1) shape, for the JSON download and the PDF.

Built from the immutable records of one receipt id and their events, so the same receipt can
be downloaded again later: it says what was agreed and, since then, which categories were
withdrawn and when (never a withdrawn category as still given); the ``ketenportaal`` member
adds what the Kantara shape has no field for (record ids, the statement's hash, the covenant
version, the withdrawals with their dates).

A withdrawal has a receipt of its own (``withdrawal``, ``withdrawal_json``): the tenant's proof
that she took her consent back, for whom and when, as the consent receipt was her proof of
giving it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import ConsentEvent, ConsentRecord, RecordState
from consent.service import recipient_name
from portal.covenant.models import CovenantVersion
from portal.covenant.rules import Covenant, Purpose, covenant_of
from portal.links import external_url

KANTARA_VERSION = "KI-CR-v1.1.0"
#: The withdrawal receipt's own shape: Kantara v1.1 has no withdrawal receipt, so its field
#: names are reused where they fit.
WITHDRAWAL_VERSION = "KP-WR-v1"
COLLECTION_METHODS = {
    "online": "online (Ketenportaal)",
    "verbal": "verbal, recorded and confirmed by two professionals",
    "paper": "paper form, signed and scanned",
}
WITHDRAWAL_METHODS = {
    "online": "online (Ketenportaal)",
    "verbal": "by phone or in person, recorded by a professional",
    "paper": "in writing, recorded by a professional",
}


@dataclass
class ReceiptLine:
    """One record as a tenant reads it, for the templates."""

    record: ConsentRecord
    recipient: str
    purpose: str
    #: Every category of the record, and those that still count, by name.
    categories: list[str]
    active: list[str]
    withdrawn: list[str]
    state: RecordState
    #: Given and not withdrawn (expired or not: the end date is shown beside it).
    given: list[str] = field(default_factory=list)
    #: Each withdrawn category by name, with when it was withdrawn: a receipt must not go on
    #: listing a category as given after the tenant took it back.
    withdrawals: list[tuple[str, datetime]] = field(default_factory=list)


def covenant_for(session: Session, records: Sequence[ConsentRecord]) -> Covenant:
    """The rules of the covenant version the (first) record was given under."""
    version = session.get(CovenantVersion, records[0].covenant_version_id)
    assert version is not None
    return covenant_of(version)


def lines(
    session: Session,
    records: Sequence[ConsentRecord],
    states: dict[int, RecordState],
    lang: str,
) -> list[ReceiptLine]:
    covenants: dict[int, Covenant] = {}
    found = []
    for r in records:
        if r.covenant_version_id not in covenants:
            covenants[r.covenant_version_id] = covenant_for(session, [r])
        covenant = covenants[r.covenant_version_id]
        found.append(
            ReceiptLine(
                record=r,
                recipient=recipient_name(
                    session,
                    covenant,
                    {"role": r.recipient_role, "organisation_id": r.recipient_organisation_id},
                    lang,
                ),
                purpose=covenant.purposes[r.purpose].name.get(lang),
                categories=[covenant.categories[c].name.get(lang) for c in r.categories],
                active=[covenant.categories[c].name.get(lang) for c in states[r.id].active],
                withdrawn=[
                    covenant.categories[c].name.get(lang)
                    for c in r.categories
                    if c in states[r.id].withdrawn
                ],
                state=states[r.id],
                given=[
                    covenant.categories[c].name.get(lang)
                    for c in r.categories
                    if c not in states[r.id].withdrawn
                ],
                withdrawals=[
                    (covenant.categories[c].name.get(lang), at)
                    for c in r.categories
                    if (at := states[r.id].withdrawn_at(c)) is not None
                ],
            )
        )
    return found


def receipt_json(
    session: Session,
    records: Sequence[ConsentRecord],
    states: dict[int, RecordState],
    *,
    lang: str,
    principal: str,
) -> dict[str, Any]:
    """The Kantara-shaped receipt of records given together (one ``receipt_id``)."""
    covenant = covenant_for(session, records)
    first = records[0]
    purpose = covenant.purposes[first.purpose]
    owner_name = _owner_name(covenant, first, lang)
    special = sorted(
        {
            covenant.categories[c].name.get(lang)
            for r in records
            for c in r.categories
            if covenant.categories[c].special
        }
    )
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": "NL",
        "consentTimestamp": int(first.given_at.timestamp()),
        "collectionMethod": COLLECTION_METHODS[first.method],
        "consentReceiptID": first.receipt_id,
        "language": lang,
        "piiPrincipalId": principal,
        "piiControllers": [
            {
                "piiController": owner_name,
                "onBehalf": False,
                "contact": owner_name,
                "url": external_url("covenant.explained"),
            }
        ],
        "policyUrl": external_url("covenant.explained"),
        "services": [
            {
                "service": purpose.name.get(lang),
                "purposes": [
                    {
                        "purpose": purpose.plain.get(lang),
                        "purposeCategory": [first.purpose],
                        "consentType": "EXPLICIT",
                        "piiCategory": [
                            covenant.categories[c].name.get(lang)
                            for c in r.categories
                            if c not in states[r.id].withdrawn
                        ],
                        "primaryPurpose": True,
                        "termination": f"until {r.valid_until.date().isoformat()} or withdrawal",
                        "thirdPartyDisclosure": True,
                        "thirdPartyName": recipient_name(
                            session,
                            covenant,
                            {
                                "role": r.recipient_role,
                                "organisation_id": r.recipient_organisation_id,
                            },
                            lang,
                        ),
                    }
                    for r in records
                ],
            }
        ],
        "sensitive": bool(special),
        "spiCat": special,
        "ketenportaal": {
            "records": [
                {
                    "id": r.id,
                    "recipientRole": r.recipient_role,
                    "recipientOrganisationId": r.recipient_organisation_id,
                    "purpose": r.purpose,
                    "categories": list(r.categories),
                    "legalBasis": r.legal_basis,
                    "givenAt": r.given_at.isoformat(),
                    "validUntil": r.valid_until.isoformat(),
                    "status": states[r.id].status,
                    "withdrawnCategories": sorted(states[r.id].withdrawn),
                    "withdrawals": [
                        {
                            "category": c,
                            "name": covenant.categories[c].name.get(lang),
                            "withdrawnAt": at.isoformat(),
                        }
                        for c in r.categories
                        if (at := states[r.id].withdrawn_at(c)) is not None
                    ],
                }
                for r in records
            ],
            "givenBy": first.given_by,
            "statementVersion": first.text_version,
            "statementSha256": first.text_sha256,
            "statementLanguage": first.language,
            "covenantVersion": covenant.number,
            "withdrawAt": external_url("consent_tenant.come_back"),
        },
    }


def _owner_name(covenant: Covenant, record: ConsentRecord, lang: str) -> str:
    owner = record.organisation
    if owner.slug in covenant.partners:
        return covenant.partners[owner.slug].name.get(lang)
    return owner.name


@dataclass
class WithdrawalReceipt:
    """One withdrawal as the tenant reads it: what stopped, for whom, when, what still counts."""

    event: ConsentEvent
    record: ConsentRecord
    covenant: Covenant
    purpose: Purpose
    owner_name: str
    recipient: str
    #: By name: what this withdrawal stopped, and what the record still gave right after it.
    withdrawn: list[str]
    remaining: list[str]
    remaining_codes: list[str]


def withdrawal(session: Session, event: ConsentEvent, lang: str) -> WithdrawalReceipt:
    """The receipt of one withdrawal event, from the immutable record and events (so it says
    the same thing whenever it is downloaded, also after later withdrawals)."""
    record = event.record
    covenant = covenant_for(session, [record])
    earlier = session.scalars(
        select(ConsentEvent).where(
            ConsentEvent.record_id == record.id,
            ConsentEvent.kind == "withdrawn",
            ConsentEvent.id <= event.id,
        )
    )
    stopped = {c for e in earlier for c in e.categories}
    remaining = [c for c in record.categories if c not in stopped]
    names = covenant.categories
    return WithdrawalReceipt(
        event=event,
        record=record,
        covenant=covenant,
        purpose=covenant.purposes[record.purpose],
        owner_name=_owner_name(covenant, record, lang),
        recipient=recipient_name(
            session,
            covenant,
            {"role": record.recipient_role, "organisation_id": record.recipient_organisation_id},
            lang,
        ),
        withdrawn=[names[c].name.get(lang) for c in record.categories if c in event.categories],
        remaining=[names[c].name.get(lang) for c in remaining],
        remaining_codes=remaining,
    )


def withdrawal_json(receipt: WithdrawalReceipt, *, lang: str, principal: str) -> dict[str, Any]:
    """The withdrawal receipt for computers, in the consent receipt's vocabulary."""
    event, record = receipt.event, receipt.record
    return {
        "version": WITHDRAWAL_VERSION,
        "receiptType": "consentWithdrawal",
        "jurisdiction": "NL",
        "withdrawalTimestamp": int(event.occurred_at.timestamp()),
        "withdrawnAt": event.occurred_at.isoformat(),
        "withdrawalMethod": WITHDRAWAL_METHODS.get(event.method, event.method),
        "language": lang,
        "piiPrincipalId": principal,
        "piiControllers": [
            {
                "piiController": receipt.owner_name,
                "onBehalf": False,
                "contact": receipt.owner_name,
                "url": external_url("covenant.explained"),
            }
        ],
        "consentReceiptID": record.receipt_id,
        "service": receipt.purpose.name.get(lang),
        "purposeCategory": [record.purpose],
        "thirdPartyName": receipt.recipient,
        "withdrawnPiiCategory": receipt.withdrawn,
        "remainingPiiCategory": receipt.remaining,
        "ketenportaal": {
            "record": record.id,
            "event": event.id,
            "recipientRole": record.recipient_role,
            "recipientOrganisationId": record.recipient_organisation_id,
            "withdrawnCategories": [c for c in record.categories if c in event.categories],
            "remainingCategories": receipt.remaining_codes,
            "endsRecord": bool(event.ends_record),
            "givenBy": event.given_by,
            "covenantVersion": receipt.covenant.number,
            "withdrawAt": external_url("consent_tenant.come_back"),
        },
    }
