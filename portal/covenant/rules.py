"""Every rule question about the covenant is answered here, from one immutable object.

Callers do ``covenant = active_covenant(session)`` (or ``covenant_of(version)`` for the version
a referral, consent or decision was made under) and ask it: ``covenant.may_share(purpose,
role, category)``, ``covenant.next_rung(purpose, role)``, ``covenant.voters(decision,
minors_present=True)``, ... No other module holds a rule of the chain: which categories go to
whom on which basis, ladders, SLA days, voting rules, retention and visibility all come from
the accepted covenant document.

Questions about a code that the covenant does not know raise ``UnknownCode`` (a caller's bug
or stale data), except ``may_share``, which answers ``None``: deny by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.covenant.models import CovenantVersion
from portal.db import memo
from portal.errors import DomainError

BasisKind = Literal["statutory", "consent"]
DecisionRule = Literal["unanimity", "majority"]
DecisionEffect = Literal["assignment", "trajectory", "record"]


class UnknownCode(KeyError):
    """A purpose, role, category or decision the covenant does not define."""


class NoActiveCovenant(DomainError):
    """No covenant version is active yet: nothing may be shared or decided."""

    status = 409


@dataclass(frozen=True)
class Text:
    """A display text per language; a missing language falls back to Dutch."""

    nl: str
    en: str
    tr: str | None = None
    ar: str | None = None

    def has(self, lang: str) -> bool:
        return lang in ("nl", "en", "tr", "ar") and bool(getattr(self, lang))

    def get(self, lang: str) -> str:
        return getattr(self, lang) if self.has(lang) else self.nl

    @classmethod
    def of(cls, data: Mapping[str, str]) -> Text:
        return cls(**{k: data[k] for k in ("nl", "en", "tr", "ar") if k in data})


@dataclass(frozen=True)
class Role:
    code: str
    name: Text
    involvement_visible: bool
    #: The role answers housing crises (crisis team, shelter intake): it is told when an
    #: eviction is approved, and its involvement counts in a prevention record.
    crisis_response: bool = False
    #: The role coordinates the chain: it is alerted when a ladder runs out or a sender lets
    #: the choice of the next step pass.
    coordinates: bool = False


@dataclass(frozen=True)
class Partner:
    slug: str
    name: Text
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    code: str
    name: Text
    description: Text
    special: bool
    retention_days: int
    #: Data about someone other than the tenant (who reported nuisance): shared under no
    #: purpose, and refused to the tenant herself (GDPR art. 15(4): the rights of others).
    third_party: bool = False


@dataclass(frozen=True)
class LegalBasis:
    code: str
    kind: BasisKind
    name: Text
    plain: Text
    reference: str | None
    special_categories: bool

    @property
    def is_consent(self) -> bool:
        return self.kind == "consent"


@dataclass(frozen=True)
class Rung:
    """One step of an escalation ladder, with its SLA: days to respond, days to first contact."""

    position: int
    role: str
    response_days: int
    first_contact_days: int


@dataclass(frozen=True)
class Purpose:
    code: str
    name: Text
    plain: Text
    #: recipient role -> category -> legal basis code
    sharing: Mapping[str, Mapping[str, str]]
    ladder: tuple[Rung, ...]
    #: Its identifier in the register of processing activities, for the audit log.
    processing_activity: str = ""
    #: After a decline, return or expiry: "automatic" offers the next rung at once (when one
    #: partner plays it), "sender" puts the choice before the sender for ``escalation_days``.
    escalation: str = "sender"
    escalation_days: int = 5
    #: Set: the purpose is emergency access ("break the glass") for the roles it shares with,
    #: for this many hours at a time (``handover.emergency``); it has no ladder.
    emergency_hours: int = 0


@dataclass(frozen=True)
class Voting:
    """Who must vote on a decision and how the votes count."""

    decision: str
    purpose: str
    required_roles: tuple[str, ...]
    rule: DecisionRule
    veto_roles: tuple[str, ...]
    voting_days: int
    prevention_steps: tuple[str, ...]


@dataclass(frozen=True)
class DecisionKind:
    """A kind of joint decision the covenant defines (eviction, last chance, ...): who votes,
    how votes count and what approval leads to. Not a decision taken on a case, which is
    ``handover.decisions.models.Decision``."""

    code: str
    name: Text
    purpose: str
    voters: tuple[str, ...]
    voters_if_minors: tuple[str, ...]
    rule: DecisionRule
    veto: tuple[str, ...]
    voting_days: int
    prevention_steps: tuple[str, ...]
    #: What approval leads to: an assignment to the case's owner (eviction), a conditional
    #: trajectory, or only the sealed record.
    effect: DecisionEffect = "record"
    #: The shortest trajectory allowed, in months (effect "trajectory" only).
    min_months: int | None = None
    #: Trajectory decisions that may be prepared as what applies when this one is refused.
    alternatives: tuple[str, ...] = ()
    #: The purpose under which approval refers the household to the shelter point
    #: (``handover.shelter``); and whether, with minors, the bailiff waits until it is ready.
    shelter_handover: str | None = None
    shelter_before_bailiff_if_minors: bool = False


@dataclass(frozen=True)
class Signalling:
    """Early signalling under the Wgs, as the covenant arranges it: which cases may be
    reported (arrears of at least ``min_amount_cents`` and ``min_days_overdue`` days) under
    which purpose, and the municipality's legal deadlines (a first conversation within
    ``first_conversation_weeks``, within ``crisis_working_days`` working days for a crisis
    signal; a decision on debt help within ``decision_weeks`` of that conversation)."""

    purpose: str
    min_days_overdue: int
    min_amount_cents: int = 0
    first_conversation_weeks: int = 4
    crisis_working_days: int = 3
    decision_weeks: int = 8


@dataclass(frozen=True)
class Covenant:
    """One covenant version's rules. Immutable; build it with ``Covenant.from_document``."""

    version_id: int | None
    number: int | None
    sha256: str | None
    region: str
    title: Text
    effective_from: str | None
    roles: Mapping[str, Role]
    partners: Mapping[str, Partner]
    categories: Mapping[str, Category]
    legal_bases: Mapping[str, LegalBasis]
    prevention_steps: Mapping[str, Text]
    purposes: Mapping[str, Purpose]
    decisions: Mapping[str, DecisionKind]
    #: Per prevention step, the kinds of evidence the portal shows under it.
    prevention_evidence: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    #: How many years the audit log keeps an event (at least five, NEN 7513).
    audit_retention_years: int = 5
    #: The processing activity of a partner working its own cases.
    own_processing_activity: str = "case_work"
    #: Early signalling, when the covenant arranges it (its ``[signalling]`` section).
    signalling: Signalling | None = None

    @classmethod
    def from_document(
        cls,
        document: Mapping[str, Any],
        *,
        version_id: int | None = None,
        number: int | None = None,
        sha256: str | None = None,
    ) -> Covenant:
        """Build from the normalised document that ``portal.covenant.document.parse`` made."""

        def frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
            return MappingProxyType(mapping)

        head = document["covenant"]
        audit = document.get("audit") or {}
        return cls(
            version_id=version_id,
            number=number,
            sha256=sha256,
            region=head["region"],
            title=Text.of(head["title"]),
            effective_from=head.get("effective_from"),
            roles=frozen(
                {
                    code: Role(
                        code,
                        Text.of(r["name"]),
                        bool(r["involvement_visible"]),
                        bool(r.get("crisis_response", False)),
                        bool(r.get("coordinates", False)),
                    )
                    for code, r in document["roles"].items()
                }
            ),
            partners=frozen(
                {
                    slug: Partner(slug, Text.of(p["name"]), tuple(p["roles"]))
                    for slug, p in document["partners"].items()
                }
            ),
            categories=frozen(
                {
                    code: Category(
                        code,
                        Text.of(c["name"]),
                        Text.of(c["description"]),
                        bool(c.get("special")),
                        int(c["retention_days"]),
                        bool(c.get("third_party")),
                    )
                    for code, c in document["categories"].items()
                }
            ),
            legal_bases=frozen(
                {
                    code: LegalBasis(
                        code,
                        b["kind"],
                        Text.of(b["name"]),
                        Text.of(b["plain"]),
                        b.get("reference"),
                        bool(b.get("special_categories")),
                    )
                    for code, b in document["legal_bases"].items()
                }
            ),
            prevention_steps=frozen(
                {code: Text.of(s["name"]) for code, s in document["prevention_steps"].items()}
            ),
            purposes=frozen(
                {
                    code: Purpose(
                        code,
                        Text.of(p["name"]),
                        Text.of(p["plain"]),
                        frozen({role: frozen(dict(pkg)) for role, pkg in p["sharing"].items()}),
                        tuple(
                            Rung(i, r["role"], r["response_days"], r["first_contact_days"])
                            for i, r in enumerate(p["ladder"])
                        ),
                        p.get("processing_activity") or code,
                        p.get("escalation") or "sender",
                        int(p.get("escalation_days") or 5),
                        int(p.get("emergency_hours") or 0),
                    )
                    for code, p in document["purposes"].items()
                }
            ),
            decisions=frozen(
                {
                    code: DecisionKind(
                        code,
                        Text.of(d["name"]),
                        d["purpose"],
                        tuple(d["voters"]),
                        tuple(d["voters_if_minors"]),
                        d["rule"],
                        tuple(d["veto"]),
                        d["voting_days"],
                        tuple(d["prevention_steps"]),
                        d.get("effect", "record"),
                        d.get("min_months"),
                        tuple(d.get("alternatives", ())),
                        d.get("shelter_handover"),
                        bool(d.get("shelter_before_bailiff_if_minors")),
                    )
                    for code, d in document["decisions"].items()
                }
            ),
            prevention_evidence=frozen(
                {
                    code: tuple(s["evidence"])
                    for code, s in document["prevention_steps"].items()
                    if "evidence" in s
                }
            ),
            audit_retention_years=int(audit.get("retention_years", 5)),
            own_processing_activity=audit.get("own_processing_activity", "case_work"),
            signalling=_signalling(document.get("signalling")),
        )

    # --- lookups --------------------------------------------------------------------------

    def _get(self, table: Mapping[str, Any], code: str, what: str) -> Any:
        try:
            return table[code]
        except KeyError:
            raise UnknownCode(f"the covenant has no {what} '{code}'") from None

    def purpose(self, code: str) -> Purpose:
        return self._get(self.purposes, code, "purpose")

    def role(self, code: str) -> Role:
        return self._get(self.roles, code, "role")

    def category(self, code: str) -> Category:
        return self._get(self.categories, code, "category")

    def decision(self, code: str) -> DecisionKind:
        return self._get(self.decisions, code, "decision")

    # --- partners and roles ---------------------------------------------------------------

    def is_partner(self, org_slug: str) -> bool:
        return org_slug in self.partners

    def roles_of(self, org_slug: str) -> frozenset[str]:
        """The covenant roles an organisation plays; empty when it is not a partner."""
        partner = self.partners.get(org_slug)
        return frozenset(partner.roles) if partner else frozenset()

    def partners_with_role(self, role: str) -> tuple[str, ...]:
        """Organisation slugs that play ``role``, in the order of the file."""
        self.role(role)
        return tuple(slug for slug, p in self.partners.items() if role in p.roles)

    def involvement_visible(self, role: str) -> bool:
        """May other partners be told that this role is involved in a case?"""
        return self.role(role).involvement_visible

    def coordinating_roles(self) -> tuple[str, ...]:
        """The roles alerted when the chain gets stuck (a ladder runs out, nobody chooses)."""
        return tuple(code for code, role in self.roles.items() if role.coordinates)

    def crisis_roles(self) -> tuple[str, ...]:
        """The roles that answer housing crises (crisis team, shelter intake)."""
        return tuple(code for code, role in self.roles.items() if role.crisis_response)

    def is_third_party(self, category: str) -> bool:
        """Whether the category holds third parties' data (never the tenant's to see)."""
        found = self.categories.get(category)
        return bool(found and found.third_party)

    def emergency_purpose(self) -> Purpose | None:
        """The purpose of emergency access, if the covenant has one."""
        return next((p for p in self.purposes.values() if p.emergency_hours), None)

    # --- sharing --------------------------------------------------------------------------

    def processing_activity(self, purpose: str | None) -> str:
        """The register identifier of the processing activity for data used under ``purpose``
        (the covenant's purposes), or of a partner's own case work (``None``)."""
        found = self.purposes.get(purpose) if purpose else None
        return found.processing_activity if found else self.own_processing_activity

    def may_share(self, purpose: str, recipient_role: str, category: str) -> LegalBasis | None:
        """The legal basis on which ``category`` may go to ``recipient_role`` for ``purpose``.

        ``None`` means no: not in the covenant (also for codes it does not know). A consent
        basis means "only with the tenant's valid consent"; the consent policy checks that.
        """
        purpose_rules = self.purposes.get(purpose)
        if purpose_rules is None:
            return None
        code = purpose_rules.sharing.get(recipient_role, {}).get(category)
        return self.legal_bases[code] if code else None

    def sharing_package(self, purpose: str, recipient_role: str) -> Mapping[str, LegalBasis]:
        """Everything ``recipient_role`` may receive for ``purpose``: category -> basis."""
        self.role(recipient_role)
        package = self.purpose(purpose).sharing.get(recipient_role, {})
        return MappingProxyType({cat: self.legal_bases[code] for cat, code in package.items()})

    def recipients(self, purpose: str) -> tuple[str, ...]:
        """The roles that receive anything for ``purpose``."""
        return tuple(self.purpose(purpose).sharing)

    # --- escalation ladder ----------------------------------------------------------------

    def ladder(self, purpose: str) -> tuple[Rung, ...]:
        return self.purpose(purpose).ladder

    def first_rung(self, purpose: str) -> Rung | None:
        rungs = self.ladder(purpose)
        return rungs[0] if rungs else None

    def rung_for(self, purpose: str, role: str) -> Rung | None:
        return next((r for r in self.ladder(purpose) if r.role == role), None)

    def next_rung(self, purpose: str, current_role: str) -> Rung | None:
        """The rung after ``current_role`` (where a returned case goes next); None at the end.

        A role that is not on the ladder has no next rung.
        """
        self.role(current_role)
        current = self.rung_for(purpose, current_role)
        if current is None:
            return None
        rungs = self.ladder(purpose)
        return rungs[current.position + 1] if current.position + 1 < len(rungs) else None

    # --- joint decisions ------------------------------------------------------------------

    def voters(self, decision: str, *, minors_present: bool) -> Voting:
        """Who must vote, how votes count, who may veto, and how long the vote is open."""
        rule = self.decision(decision)
        required = rule.voters + (rule.voters_if_minors if minors_present else ())
        return Voting(
            decision=rule.code,
            purpose=rule.purpose,
            required_roles=required,
            rule=rule.rule,
            veto_roles=tuple(r for r in rule.veto if r in required),
            voting_days=rule.voting_days,
            prevention_steps=rule.prevention_steps,
        )

    def required_prevention_steps(self, decision: str) -> tuple[str, ...]:
        """The prevention steps that must be on record before the decision's vote opens."""
        return self.decision(decision).prevention_steps

    def evidence_for(self, step: str) -> tuple[str, ...] | None:
        """The kinds of evidence shown under a prevention step; ``None``: every kind."""
        self._get(self.prevention_steps, step, "prevention step")
        return self.prevention_evidence.get(step)

    def alternatives(self, decision: str) -> tuple[DecisionKind, ...]:
        """The trajectory decisions that may be prepared for when ``decision`` is refused."""
        return tuple(self.decision(code) for code in self.decision(decision).alternatives)

    # --- retention ------------------------------------------------------------------------

    def retention_days(self, category: str) -> int:
        """Days a category is kept after its case closes."""
        return self.category(category).retention_days


def _signalling(section: Mapping[str, Any] | None) -> Signalling | None:
    if not section:
        return None
    return Signalling(
        purpose=section["purpose"],
        min_days_overdue=int(section["min_days_overdue"]),
        min_amount_cents=int(section.get("min_amount_euro", 0)) * 100,
        first_conversation_weeks=int(section.get("first_conversation_weeks", 4)),
        crisis_working_days=int(section.get("crisis_working_days", 3)),
        decision_weeks=int(section.get("decision_weeks", 8)),
    )


_PARSED: dict[tuple[int, int, str], Covenant] = {}
_PARSED_MAX = 32


def covenant_of(version: CovenantVersion) -> Covenant:
    """The rules of one stored version (e.g. the one a referral was made under).

    A stored version never changes (its document is named by its SHA-256), so its rules are
    built once per process and shared: parsing the document on every request cost more than
    the queries of a page."""
    key = (version.id, version.number, version.sha256)
    rules = _PARSED.get(key)
    if rules is None:
        rules = Covenant.from_document(
            version.document, version_id=version.id, number=version.number, sha256=version.sha256
        )
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = rules
    return rules


def active_version(session: Session) -> CovenantVersion | None:
    """The active covenant version; store its id on referrals, consents and decisions
    (asked once per unit of work: ``portal.db.memo``)."""
    return memo(
        session,
        "active_covenant_version",
        lambda: session.scalar(select(CovenantVersion).where(CovenantVersion.status == "active")),
    )


def require_active_version(session: Session) -> CovenantVersion:
    """The active covenant version; raises ``NoActiveCovenant`` when none is active."""
    version = active_version(session)
    if version is None:
        raise NoActiveCovenant(_l("Er is nog geen actief convenant."))
    return version


def active_covenant(session: Session) -> Covenant:
    """The rules in force now; raises ``NoActiveCovenant`` when no version is active. Parsed
    once per unit of work."""
    version = require_active_version(session)
    return memo(session, ("covenant", version.id), lambda: covenant_of(version))
