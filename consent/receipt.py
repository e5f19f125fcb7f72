"""The consent receipt: what the tenant agreed to, in the Kantara Initiative Consent Receipt
(v1.1) shape, for the JSON download and the PDF.

Built from the immutable records of one receipt id, so the same receipt can be downloaded
again later and says the same thing; the ``ketenportaal`` member adds what the Kantara shape
has no field for (record ids, the statement's hash, the covenant version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from consent.models import ConsentRecord, RecordState
from consent.service import public_url, recipient_name
from portal.covenant.models import CovenantVersion
from portal.covenant.rules import Covenant, covenant_of

KANTARA_VERSION = "KI-CR-v1.1.0"


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
    owner = first.organisation
    owner_name = (
        covenant.partners[owner.slug].name.get(lang)
        if owner.slug in covenant.partners
        else owner.name
    )
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
        "collectionMethod": {
            "online": "online (Ketenportaal)",
            "verbal": "verbal, recorded and confirmed by two professionals",
            "paper": "paper form, signed and scanned",
        }[first.method],
        "consentReceiptID": first.receipt_id,
        "language": lang,
        "piiPrincipalId": principal,
        "piiControllers": [
            {
                "piiController": owner_name,
                "onBehalf": False,
                "contact": owner_name,
                "url": public_url("/convenant/uitleg"),
            }
        ],
        "policyUrl": public_url("/convenant/uitleg"),
        "services": [
            {
                "service": purpose.name.get(lang),
                "purposes": [
                    {
                        "purpose": purpose.plain.get(lang),
                        "purposeCategory": [first.purpose],
                        "consentType": "EXPLICIT",
                        "piiCategory": [
                            covenant.categories[c].name.get(lang) for c in r.categories
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
                }
                for r in records
            ],
            "givenBy": first.given_by,
            "statementVersion": first.text_version,
            "statementSha256": first.text_sha256,
            "statementLanguage": first.language,
            "covenantVersion": covenant.number,
            "withdrawAt": public_url("/toestemming/terugkomen"),
        },
    }
