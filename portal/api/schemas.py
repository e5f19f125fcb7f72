"""The API's request and answer shapes (pydantic): the OpenAPI document is generated from
these and the views that use them, and every answer is checked against them.

Strings are bounded and free of control characters; numbers are bounded: a body that does
not fit is refused with a problem naming each field, before any service runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from portal.api.models import SCOPES

#: Text without control characters (C0, DEL, C1), bidirectional overrides or zero-width
#: characters, as the monthly file refuses them.
_CLEAN = r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*$"

Version = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- problems --------------------------------------------------------------------------------


class ProblemField(BaseModel):
    pointer: str = Field(description="JSON pointer into the request body, e.g. /signals/3/bsn")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details, in Dutch or English (``Accept-Language``)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemField] | None = None


# --- referrals -------------------------------------------------------------------------------


class WithheldField(BaseModel):
    """A field of the package the policy withholds now: its category and why, never the value."""

    field: str
    category: str
    reason: str = Field(
        description="not_shared, no_basis, consent_missing, consent_withdrawn or consent_expired"
    )
    reason_text: str


class PersonOut(BaseModel):
    """A member of the household as the package shows it: ``null`` is unknown or withheld
    (``withheld`` says which)."""

    main_tenant: bool
    initials: str | None = None
    surname: str | None = None
    birth_date: date | None = None
    bsn: str | None = None
    phone: str | None = None
    email: str | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    minor: bool | None = None
    withheld: list[WithheldField] = []


class ReferralSummary(BaseModel):
    id: int
    case_reference: str
    purpose: str
    status: str
    version: int
    crisis: bool
    warm_handover: bool
    sent_at: datetime | None
    response_due_at: datetime | None
    sender: str
    categories: list[str]


class ReferralPage(BaseModel):
    items: list[ReferralSummary]
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next page; null on the last page."
    )


class ReferralOut(ReferralSummary):
    """One referral: its package only (the categories the covenant and consent allow now)."""

    persons: list[PersonOut]
    arrears_cents: int | None = None
    withheld: list[WithheldField] = []


class ReferralsQuery(Strict):
    status: Literal["waiting", "active", "closed", "all"] = "waiting"
    cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 50


class VersionIn(Strict):
    version: Version = Field(
        description="The referral's version as last read: a stale one gives 409."
    )


ReasonText = Annotated[str, StringConstraints(min_length=3, max_length=2000, pattern=_CLEAN)]


class ReasonIn(VersionIn):
    reason: ReasonText


class StatusReportIn(VersionIn):
    report: Literal["first_contact", "help_started", "help_ended"]
    outcome: (
        Literal["solved", "arrangement", "debt_counselling", "no_result", "refused", "moved"] | None
    ) = Field(None, description="With help_ended: how the help ended.")


# --- signals ---------------------------------------------------------------------------------


IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    Field(json_schema_extra={"format": "date"}),
]


def _real_day(value: str) -> str:
    date.fromisoformat(value)  # ValueError for a day that does not exist (2026-02-30)
    return value


#: A date the API itself reads (a signal's dates go through the monthly file's own checks).
RealDate = Annotated[IsoDate, AfterValidator(_real_day)]
WholeCents = Annotated[int, Field(strict=True, ge=1, le=10_000_000_00)]


class SignalIn(Strict):
    """One signal: a row of the monthly arrears file in the VNG model's fields (their
    Dutch names in brackets), checked by the same rules as the file."""

    bsn: Annotated[str, StringConstraints(pattern=r"^[0-9]{8,9}$")] = Field(
        description="Burgerservicenummer"
    )
    initials: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=_CLEAN)] = (
        Field(description="Voorletters")
    )
    prefix: Annotated[str, StringConstraints(max_length=20, pattern=_CLEAN)] | None = Field(
        None, description="Voorvoegsel"
    )
    surname: Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=_CLEAN)] = (
        Field(description="Achternaam")
    )
    birth_date: IsoDate = Field(description="Geboortedatum (YYYY-MM-DD)")
    street: Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=_CLEAN)] = Field(
        description="Straatnaam"
    )
    house_number: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,4}$")] = Field(
        description="Huisnummer"
    )
    house_number_suffix: Annotated[str, StringConstraints(max_length=10, pattern=_CLEAN)] | None = (
        Field(None, description="Huisnummertoevoeging")
    )
    postcode: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")] = Field(
        description="Postcode"
    )
    city: Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=_CLEAN)] = Field(
        description="Plaatsnaam"
    )
    arrears_cents: WholeCents = Field(description="bedrag, in euro cents")
    arrears_since: IsoDate = Field(description="ontstaansdatum (YYYY-MM-DD)")
    signal_date: IsoDate = Field(description="signaaldatum (YYYY-MM-DD)")
    tenant_number: Annotated[str, StringConstraints(max_length=40, pattern=_CLEAN)] | None = None
    arrears_months: Annotated[int, Field(strict=True, ge=0, le=999)] | None = None
    phone: Annotated[str, StringConstraints(max_length=20, pattern=_CLEAN)] | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=_CLEAN)] | None = None


class SignalsIn(Strict):
    signals: list[SignalIn] = Field(min_length=1, max_length=10_000)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"description": "All or nothing: one refused signal refuses the batch."},
    )


class SignalOutcome(BaseModel):
    index: int = Field(description="The signal's place in the request (0 is the first)")
    case_reference: str
    created: bool = Field(description="A new case (true) or an open case updated (false)")


class SignalsOut(BaseModel):
    created: int
    updated: int
    items: list[SignalOutcome]


# --- consent ---------------------------------------------------------------------------------


class ConsentCategory(BaseModel):
    category: str
    status: Literal["valid", "missing", "withdrawn", "expired", "statutory"]


class ConsentOut(BaseModel):
    case_reference: str
    purpose: str
    categories: list[ConsentCategory]


# --- the scopes, for the document ------------------------------------------------------------

SCOPE_DESCRIPTIONS = {
    "signals:write": "Post signals (the monthly arrears file's rows) for your organisation",
    "referrals:read": "Read the referrals addressed to your organisation, with their package",
    "referrals:write": "Accept, decline, return and report on those referrals",
    "consent:read": "Read the consent status of a case referred to your organisation",
}
assert set(SCOPE_DESCRIPTIONS) == set(SCOPES)
