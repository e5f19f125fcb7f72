"""What "my data" is made of: plain facts in her language, ready for the page, the PDF and the
JSON download (no encrypted values, no codes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handover.conditions.my_data import ConditionsFacts
from handover.nuisance.my_data import NuisanceFacts
from handover.shelter.my_data import ShelterFacts


def mask_bsn(bsn: str | None) -> str | None:
    """All but the last four digits as stars (``*****6782``)."""
    if not bsn:
        return None
    return "*" * max(len(bsn) - 4, 0) + bsn[-4:]


@dataclass(frozen=True)
class Myself:
    """Her own person record, whole (the HTML page masks the BSN; the download does not)."""

    initials: str | None
    surname: str | None
    birth_date: date | None
    bsn: str | None
    phone: str | None
    email: str | None
    street: str | None
    house_number: str | None
    postcode: str | None
    city: str | None

    @property
    def bsn_masked(self) -> str | None:
        """``*****6782``: enough to recognise it on a screen others may see."""
        return mask_bsn(self.bsn)


@dataclass(frozen=True)
class Member:
    """Another member of her household: never their BSN, birth date, phone or e-mail."""

    initials: str | None
    surname: str | None
    relation: str
    minor: bool


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    opened_by: str
    opened_on: date
    status: str
    closed_on: date | None
    arrears_cents: int | None
    arrears_months: int | None
    arrears_since: date | None
    tenant_number: str | None


@dataclass(frozen=True)
class ContactAttemptFact:
    day: date | None
    channel: str
    outcome: str
    recorded_by: str


@dataclass(frozen=True)
class LetterFact:
    day: date | None
    kind: str
    recorded_by: str


@dataclass(frozen=True)
class AgreementFact:
    amount_cents: int | None
    starts_on: date | None
    status: str
    recorded_by: str


@dataclass(frozen=True)
class FinancesFact:
    income_source: str
    income_cents: int | None
    debts_cents: int | None
    debt_support: str
    recorded_by: str


@dataclass(frozen=True)
class LifeDomainFact:
    domain: str
    status: str


@dataclass(frozen=True)
class Groundwork:
    contact_attempts: tuple[ContactAttemptFact, ...]
    letters: tuple[LetterFact, ...]
    agreements: tuple[AgreementFact, ...]
    finances: FinancesFact | None
    life_map: tuple[LifeDomainFact, ...]

    @property
    def empty(self) -> bool:
        return not (
            self.contact_attempts
            or self.letters
            or self.agreements
            or self.finances
            or self.life_map
        )


@dataclass(frozen=True)
class WordsFact:
    """One of her own messages to the partners, and the answer to a question."""

    kind: str
    on: date
    text: str | None
    written_by: str
    answer: str | None
    answered_by: str | None
    answered_on: date | None


@dataclass(frozen=True)
class CorrectionFact:
    """A new phone number or e-mail address she gave, and what the owner did with it."""

    what: str
    value: str | None
    status: str
    on: date


@dataclass(frozen=True)
class RepresentativeFact:
    """Her legal representative as the owner recorded them (not their own contact details)."""

    name: str | None
    kind: str
    since: date | None
    ended_on: date | None


@dataclass(frozen=True)
class WithdrawalFact:
    category: str
    on: date


@dataclass(frozen=True)
class ConsentFact:
    recipient: str
    purpose: str
    categories: tuple[str, ...]
    still_given: tuple[str, ...]
    status: str
    given_on: date
    valid_until: date
    withdrawals: tuple[WithdrawalFact, ...]


@dataclass(frozen=True)
class ReferralFact:
    sender: str
    recipient: str
    purpose: str
    status: str
    sent_on: date | None
    answered_on: date | None
    closed_on: date | None


@dataclass(frozen=True)
class DecisionFact:
    kind: str
    purpose: str
    status: str
    outcome: str | None
    opened_on: date
    voting_opened_on: date | None
    decided_on: date | None


@dataclass(frozen=True)
class UseFact:
    """What one organisation did with her data, summed up over the log."""

    organisation: str
    role: str
    times: int
    first_on: date
    last_on: date
    categories: tuple[str, ...]
    why: tuple[str, ...]


@dataclass(frozen=True)
class CategoryUse:
    """One kind of data a recipient gets, and the law or consent that allows it."""

    category: str
    legal_basis: str
    legal_basis_explained: str


@dataclass(frozen=True)
class Recipient:
    organisations: tuple[str, ...]
    role: str
    categories: tuple[CategoryUse, ...]


@dataclass(frozen=True)
class Processing:
    """One purpose her data is used for, who receives it, and on which basis."""

    purpose: str
    explained: str
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class Retention:
    category: str
    description: str
    period: str
    days: int
    #: The day it is erased, once the case is closed (before that: counted from closing).
    until: date | None


@dataclass(frozen=True)
class Source:
    day: date | None
    text: str


@dataclass(frozen=True)
class Right:
    title: str
    text: str


@dataclass(frozen=True)
class MyData:
    language: str
    made_on: date
    myself: Myself
    household: tuple[Member, ...]
    household_notice: str
    case: CaseFacts
    groundwork: Groundwork
    notes_notice: str
    words: tuple[WordsFact, ...]
    corrections: tuple[CorrectionFact, ...]
    representatives: tuple[RepresentativeFact, ...]
    consents: tuple[ConsentFact, ...]
    referrals: tuple[ReferralFact, ...]
    decisions: tuple[DecisionFact, ...]
    uses: tuple[UseFact, ...]
    uses_complete: bool
    processing: tuple[Processing, ...]
    retention: tuple[Retention, ...]
    sources: tuple[Source, ...]
    rights: tuple[Right, ...]
    ask: str
    #: Reports of nuisance and the agreements about it (``handover.nuisance.my_data``).
    nuisance: NuisanceFacts | None = None
    #: The hand-over to the shelter point after an eviction decision (``handover.shelter``).
    shelter: ShelterFacts | None = None
    #: The conditions of her trajectory and their reviews (``handover.conditions``).
    conditions: ConditionsFacts | None = None
