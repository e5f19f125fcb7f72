"""The one policy point: may this actor see this category of this case, and on which basis?

Every display of personal data goes through ``reveal``: it decides per data category, writes
exactly one audit event for what it shows, and only then decrypts. Nothing else in the portal
answers the question, so a rule changes in one place.

The answer is built from:

* the owning organisation (it holds the case: basis ``owner``), the tenant themself
  (``data_subject``) and operator commands (``system``);
* *grants*: why another organisation may see part of a case, e.g. an active referral with its
  package of categories. The services that give and end them keep them in the ``case_grant``
  table (``portal.grants``), which this module reads: one indexed query per case;
* the covenant's sharing rules: the legal basis for (purpose, recipient role, category);
* for a basis of consent, a valid consent record, looked up through the function the consent
  package registers. Withdrawal or expiry takes effect on the next request because nothing
  here is cached.

The kernel cannot import ``consent`` or ``handover`` (dependencies point the other way), so
the consent package plugs its look-up in with ``register_consent_lookup`` when the app is
created, and the handover package writes its grants through ``portal.grants``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal, TypeVar

from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Erased, decrypt_field
from portal.db import memo
from portal.grants import Grant, grants_of, grants_on

ConsentStatus = Literal["valid", "withdrawn", "expired", "missing"]
#: The source prefix of an emergency access's grant (``handover.emergency``).
EMERGENCY = "emergency:"


@dataclass(frozen=True)
class ConsentAnswer:
    status: ConsentStatus
    record_id: int | None = None


@dataclass(frozen=True)
class AccessDecision:
    """The policy point's answer for one category: may this actor see it, on which basis, or
    why not."""

    category: str
    allowed: bool
    #: "owner", "data_subject", "system", "statutory:<basis>" or "consent:<record id>".
    basis: str | None = None
    #: Why withheld: "not_shared", "no_basis", "consent_missing", "consent_withdrawn",
    #: "consent_expired", "third_party" (someone else's data, refused to the tenant).
    reason: str | None = None
    #: The covenant purpose a partner's grant shares it for (None: the owner's own work).
    purpose: str | None = None
    #: The record whose grant allows it, e.g. "referral:12" or "emergency:3".
    source: str | None = None


WITHHELD_REASONS = {
    "not_shared": _l("niet gedeeld met uw organisatie"),
    "no_basis": _l("geen grondslag in het convenant"),
    "consent_missing": _l("geen toestemming van de huurder"),
    "consent_withdrawn": _l("toestemming ingetrokken"),
    "consent_expired": _l("toestemming verlopen"),
    "third_party": _l("gegevens van een ander"),
}


@dataclass(frozen=True)
class Withheld:
    """What a field shows when the policy withholds it: the reason, never the value."""

    category: str
    reason: str

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        text = WITHHELD_REASONS.get(self.reason, self.reason)
        if has_request_context():
            return gettext("afgeschermd — %(reason)s", reason=text)
        return f"afgeschermd — {text}"


def plain(value: Any) -> Any:
    """A revealed value, or ``None`` for a withheld or erased one: nothing to show, for text
    built in Python (a tenant's overview, an e-mail's recipient), where a marker must not pass
    for a value."""
    return None if isinstance(value, (Withheld, Erased)) else value


ConsentLookup = Callable[[Session, Case, Grant, str], ConsentAnswer]


@dataclass
class _Registry:
    consent_lookup: ConsentLookup | None = None


_registry = _Registry()


def register_consent_lookup(lookup: ConsentLookup) -> None:
    _registry.consent_lookup = lookup


def consent_status(session: Session, case: Case, grant: Grant, category: str) -> ConsentAnswer:
    """Whether a valid consent record covers this grant's recipient, purpose and category."""
    lookup = _registry.consent_lookup
    return lookup(session, case, grant, category) if lookup else ConsentAnswer("missing")


def grants_for(session: Session, case: Case, organisation_id: int) -> list[Grant]:
    """The organisation's grants on the case (asked once per unit of work)."""
    return memo(
        session,
        ("grants", case.id, organisation_id),
        lambda: grants_of(session, case.id, organisation_id),
    )


def preload_grants(session: Session, actor: Actor, cases: Iterable[Case]) -> None:
    """The actor's grants on every case of a list in one query, kept for this unit of work
    like ``grants_for`` keeps them: a list page reveals once per case, and would otherwise
    ask once per case. Only a speed-up: ``decide`` answers the same without it."""
    if actor.kind != "staff" or actor.organisation_id is None:
        return
    org = actor.organisation_id
    others = [case.id for case in cases if case.organisation_id != org]
    found = grants_on(session, others, org) if others else {}
    for case_id in others:
        memo(session, ("grants", case_id, org), partial(found.get, case_id, []))


def _covenant(session: Session) -> Any:
    from portal.covenant.rules import NoActiveCovenant, active_covenant

    try:
        return active_covenant(session)
    except NoActiveCovenant:
        return None


def decide(
    session: Session, actor: Actor, case: Case, categories: Iterable[str]
) -> dict[str, AccessDecision]:
    """The decision per category, without side effects (``reveal`` audits and decrypts)."""
    wanted = sorted(set(categories))
    if actor.kind == "system":
        return {c: AccessDecision(c, True, "system") for c in wanted}
    if actor.kind == "tenant":
        return _decide_tenant(session, actor, case, wanted)
    if actor.kind != "staff" or actor.organisation_id is None:
        return {c: AccessDecision(c, False, reason="not_shared") for c in wanted}
    if case.organisation_id == actor.organisation_id:
        return {c: AccessDecision(c, True, "owner") for c in wanted}

    grants = grants_for(session, case, actor.organisation_id)
    covenant = _covenant(session) if grants else None
    return {c: _decide_shared(session, case, grants, covenant, c) for c in wanted}


def _decide_tenant(
    session: Session, actor: Actor, case: Case, wanted: list[str]
) -> dict[str, AccessDecision]:
    """Her own case, except what the covenant marks as third parties' data (who reported
    nuisance about her): GDPR art. 15(4) keeps the rights of others out of her access."""
    own = actor.person_id is not None and any(p.id == actor.person_id for p in case.persons)
    if not own:
        return {c: AccessDecision(c, False, reason="not_shared") for c in wanted}
    covenant = _covenant(session)
    return {
        c: AccessDecision(c, False, reason="third_party")
        if covenant is not None and covenant.is_third_party(c)
        else AccessDecision(c, True, "data_subject")
        for c in wanted
    }


def _decide_shared(
    session: Session, case: Case, grants: list[Grant], covenant: Any, category: str
) -> AccessDecision:
    """Best answer over every grant that includes the category (any one may allow it)."""
    refusals: list[str] = []
    for grant in grants:
        if category not in grant.categories:
            continue
        basis = None
        if covenant is not None:
            basis = covenant.may_share(grant.purpose, grant.recipient_role, category)
        if basis is None:
            refusals.append("no_basis")
            continue
        if not basis.is_consent:
            return AccessDecision(
                category,
                True,
                f"statutory:{basis.code}",
                purpose=grant.purpose,
                source=grant.source,
            )
        answer = consent_status(session, case, grant, category)
        if answer.status == "valid":
            return AccessDecision(
                category,
                True,
                f"consent:{answer.record_id}",
                purpose=grant.purpose,
                source=grant.source,
            )
        refusals.append(f"consent_{answer.status}")
    # The most telling reason: a withdrawal says more than "never asked".
    for reason in ("consent_withdrawn", "consent_expired", "consent_missing", "no_basis"):
        if reason in refusals:
            return AccessDecision(category, False, reason=reason)
    return AccessDecision(category, False, reason="not_shared")


def category_of(obj: EncryptedRow, field_name: str) -> str:
    """The data category of one field of one row, as its model declares it (``personal``)."""
    return obj.category_of(field_name)


@dataclass
class Revealed:
    """The result of one ``reveal``: values or ``Withheld`` markers, per object and field."""

    decisions: dict[str, AccessDecision]
    values: dict[tuple[int, str], Any]

    def of(self, obj: object) -> dict[str, Any]:
        key = id(obj)
        return {name: value for (oid, name), value in self.values.items() if oid == key}

    def get(self, obj: object, field_name: str) -> Any:
        return self.values[(id(obj), field_name)]

    def allowed(self, category: str) -> bool:
        decision = self.decisions.get(category)
        return bool(decision and decision.allowed)


Row = TypeVar("Row", bound=EncryptedRow)


def processing_activity(
    session: Session, decisions: Iterable[AccessDecision], purpose: str | None = None
) -> str | None:
    """The register identifier(s) of what the shown data is used for (NEN 7513): the purpose
    the page works under, else each grant's purpose, else the partner's own case work."""
    covenant = _covenant(session)
    if covenant is None:
        return None
    purposes = {purpose} if purpose else {d.purpose for d in decisions if d.allowed}
    return ";".join(sorted(covenant.processing_activity(p) for p in purposes))[:120] or None


def _acting(actor: Actor, decisions: Iterable[AccessDecision]) -> Actor:
    """The actor as the audit log names it: what only emergency access allows is recorded as
    done "on behalf of" that access (``emergency:<id>``), so every such look is reviewable."""
    emergency = sorted(
        {d.source for d in decisions if d.allowed and d.source and d.source.startswith(EMERGENCY)}
    )
    if not emergency or actor.on_behalf_of is not None:
        return actor
    return replace(actor, on_behalf_of=emergency[0])


def _bases(decisions: Mapping[str, AccessDecision]) -> dict[str, str | None]:
    return {c: d.basis for c, d in decisions.items() if d.allowed}


def _basis_text(bases: Mapping[str, str | None]) -> str:
    return ";".join(sorted({str(b) for b in bases.values()}))[:120]


def _values(
    session: Session, decisions: Mapping[str, AccessDecision], wanted: list[tuple[Any, str]]
) -> dict[tuple[int, str], Any]:
    values: dict[tuple[int, str], Any] = {}
    for obj, name in wanted:
        decision = decisions[category_of(obj, name)]
        values[(id(obj), name)] = (
            decrypt_field(obj, name, session=session)
            if decision.allowed
            else Withheld(decision.category, decision.reason or "not_shared")
        )
    return values


def reveal(
    session: Session,
    actor: Actor,
    case: Case,
    fields: Mapping[Row, Iterable[str]] | Iterable[tuple[Row, Iterable[str]]],
    *,
    action: str = "case.view",
    purpose: str | None = None,
    also_shown: Iterable[str] = (),
) -> Revealed:
    """Decide, write one audit event for what is shown, then decrypt what is allowed.

    ``also_shown`` are categories the page shows besides these fields, assembled from the
    case's records (a decision's prevention evidence): decided and recorded in the same
    event, so one page view is one event.
    """
    pairs = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
    wanted = [(obj, name) for obj, names in pairs for name in names]
    categories = {category_of(obj, name) for obj, name in wanted} | set(also_shown)
    decisions = decide(session, actor, case, categories)
    bases = _bases(decisions)
    if bases:
        record(
            session,
            _acting(actor, decisions.values()),
            action,
            case_id=case.id,
            categories=bases,
            basis=_basis_text(bases),
            detail={
                "bases": bases,
                "withheld": {c: d.reason for c, d in decisions.items() if not d.allowed},
                **({"purpose": purpose} if purpose else {}),
            },
            processing_activity=processing_activity(session, decisions.values(), purpose),
        )
    return Revealed(decisions=decisions, values=_values(session, decisions, wanted))


def reveal_recorded(
    session: Session,
    actor: Actor,
    case: Case,
    recorder_org_id: int,
    fields: Mapping[Row, Iterable[str]],
    *,
    action: str = "case.view",
    purpose: str | None = None,
) -> Revealed:
    """``reveal`` for what a partner records of its own work on another organisation's case
    (the municipality's contact attempts on an early signal, and its reasons).

    Only the recording organisation reads such records (basis ``recorder``), and operator
    commands (``system``); the case's owner and every other partner are refused, whatever
    they may see of the case itself: the record is the partner's own administration, and what
    the owner may learn of it is passed on by the partner's room, not read from the record.
    Audited like ``reveal``: one event for what is shown.
    """
    wanted = [(obj, name) for obj, names in fields.items() for name in names]
    categories = {category_of(obj, name) for obj, name in wanted}
    decisions = _recorder_decisions(actor, recorder_org_id, categories, purpose)
    bases = _bases(decisions)
    if bases:
        record(
            session,
            actor,
            action,
            case_id=case.id,
            categories=bases,
            basis=_basis_text(bases),
            detail={"bases": bases, **({"purpose": purpose} if purpose else {})},
            processing_activity=processing_activity(session, decisions.values(), purpose),
        )
    return Revealed(decisions=decisions, values=_values(session, decisions, wanted))


def _recorder_decisions(
    actor: Actor, recorder_org_id: int, categories: Iterable[str], purpose: str | None
) -> dict[str, AccessDecision]:
    """The decisions of ``reveal_recorded``: the recording organisation and operator
    commands read such records; nobody else."""
    if actor.kind == "system":
        return {c: AccessDecision(c, True, "system", purpose=purpose) for c in categories}
    if actor.kind == "staff" and actor.organisation_id == recorder_org_id:
        return {c: AccessDecision(c, True, "recorder", purpose=purpose) for c in categories}
    return {c: AccessDecision(c, False, reason="not_shared") for c in categories}


def reveal_list(
    session: Session,
    actor: Actor,
    rows: Iterable[tuple[Case, Mapping[Row, Iterable[str]]]],
    *,
    action: str = "case.list",
    recorder_org_id: int | None = None,
    purpose: str | None = None,
) -> list[Revealed]:
    """``reveal`` for a page that lists many cases: decided per case, recorded as one audit
    event naming every case shown with its basis (NEN 7513 asks one event per view). With
    ``recorder_org_id`` the fields are a partner's own records on the cases, decided as
    ``reveal_recorded`` does (an export of the municipality's early-signal cases)."""
    decided = []
    subjects: dict[int, str] = {}
    for case, fields in rows:
        wanted = [(obj, name) for obj, names in fields.items() for name in names]
        categories = {category_of(o, n) for o, n in wanted}
        decisions = (
            decide(session, actor, case, categories)
            if recorder_org_id is None
            else _recorder_decisions(actor, recorder_org_id, categories, purpose)
        )
        decided.append((wanted, decisions))
        if bases := _bases(decisions):
            subjects[case.id] = _basis_text(bases)
    if subjects:
        shown = [d for _w, decisions in decided for d in decisions.values() if d.allowed]
        record(
            session,
            _acting(actor, shown),
            action,
            case_id=next(iter(subjects)) if len(subjects) == 1 else None,
            categories={d.category for d in shown},
            basis=";".join(sorted(set(subjects.values())))[:120],
            detail={"cases": len(subjects)},
            processing_activity=processing_activity(session, shown, purpose),
            subjects=subjects.items() if len(subjects) > 1 else (),
        )
    return [
        Revealed(decisions=decisions, values=_values(session, decisions, wanted))
        for wanted, decisions in decided
    ]
