"""The prevention record, assembled from what the portal holds, not retyped.

Each kind of evidence is a small *provider*: a function ``(session, case, covenant, decision)
-> list[Evidence]`` registered in ``PROVIDERS`` under an evidence kind of the covenant format
(``portal.covenant.document.EVIDENCE_KINDS``) and the data category its facts belong to. The
covenant says which kinds show under which prevention step (``evidence`` of a step); the
policy point decides per category whether a viewer may see them.

Evidence holds facts only — ids, codes, dates, organisation names, counts — never a name or a
free text, so a snapshot can be stored with each confirmation and covered by the seal.

The groundwork (contact attempts per channel, payment arrangements) comes from
``handover.decisions.groundwork``, registered with ``register_provider`` when the app starts.
An evidence kind without a provider, or without facts in the portal, shows as "no facts in
the portal": an open gap the corporation must explain in its motivation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.models import Referral
from portal.accounts.models import Organisation
from portal.cases.display import label
from portal.cases.models import Case
from portal.cases.service import is_minor
from portal.covenant.document import EVIDENCE_KINDS
from portal.covenant.rules import Covenant, UnknownCode
from portal.i18n import join_words

if TYPE_CHECKING:
    from handover.decisions.models import Decision


@dataclass(frozen=True)
class Evidence:
    """One fact for the prevention record."""

    kind: str  # the evidence kind (provider)
    what: str  # what the fact is, e.g. "referral", "minors"
    facts: Mapping[str, Any] = field(default_factory=dict)
    #: The covenant role whose involvement the fact shows (its visibility may be restricted).
    role: str | None = None
    organisation_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "what": self.what,
            "facts": dict(self.facts),
            "role": self.role,
            "organisation_id": self.organisation_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(
            data["kind"],
            data["what"],
            data.get("facts", {}),
            data.get("role"),
            data.get("organisation_id"),
        )


Collect = Callable[[Session, Case, Covenant, "Decision | None"], list[Evidence]]


@dataclass(frozen=True)
class Provider:
    kind: str
    #: The data category of the facts: the policy point decides who may see them.
    category: str
    collect: Collect


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return (value.date() if hasattr(value, "date") else value).isoformat()


def _org_ids(session: Session, covenant: Covenant, roles: Iterable[str]) -> dict[int, str]:
    """Organisation id -> the first of ``roles`` it plays."""
    slugs: dict[str, str] = {}
    for role in roles:
        for slug in covenant.partners_with_role(role):
            slugs.setdefault(slug, role)
    if not slugs:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.slug).where(Organisation.slug.in_(slugs))
    ).all()
    return {org_id: slugs[slug] for org_id, slug in rows}


def _referrals(session: Session, case: Case) -> list[Referral]:
    return list(
        session.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id))
    )


def referrals(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> list[Evidence]:
    """Every referral of the case and how it went: offered, accepted, help started, outcome."""
    return [
        Evidence(
            "referrals",
            "referral",
            {
                "referral": r.id,
                "purpose": r.purpose,
                "recipient": r.recipient.name,
                "status": r.status,
                "sent_on": _iso(r.sent_at),
                "help_started_on": _iso(r.help_started_at),
                "closed_on": _iso(r.closed_at),
                "outcome": r.outcome,
            },
            role=r.recipient_role,
            organisation_id=r.recipient_org_id,
        )
        for r in _referrals(session, case)
    ]


def crisis_involvement(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> list[Evidence]:
    """Whether an organisation playing a crisis-response role is involved: a referral to it,
    or a decision on this case in which it votes."""
    from handover.decisions.models import Decision as DecisionModel
    from handover.decisions.models import DecisionVoter

    crisis = _org_ids(session, covenant, covenant.crisis_roles())
    if not crisis:
        return []
    found = [
        Evidence(
            "crisis_involvement",
            "crisis_referral",
            {
                "referral": r.id,
                "recipient": r.recipient.name,
                "status": r.status,
                "sent_on": _iso(r.sent_at),
            },
            role=crisis[r.recipient_org_id],
            organisation_id=r.recipient_org_id,
        )
        for r in _referrals(session, case)
        if r.recipient_org_id in crisis
    ]
    votes = session.execute(
        select(DecisionModel, DecisionVoter)
        .join(DecisionVoter, DecisionVoter.decision_id == DecisionModel.id)
        .where(
            DecisionModel.case_id == case.id,
            DecisionModel.status != "withdrawn",
            DecisionVoter.organisation_id.in_(crisis),
        )
        .order_by(DecisionModel.id, DecisionVoter.id)
    ).all()
    for other, voter in votes:
        found.append(
            Evidence(
                "crisis_involvement",
                "crisis_voter",
                {
                    "decision": other.id,
                    "decision_kind": other.kind,
                    "organisation": voter.organisation.name,
                    "this_decision": decision is not None and other.id == decision.id,
                },
                role=crisis[voter.organisation_id],
                organisation_id=voter.organisation_id,
            )
        )
    return found


def household(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> list[Evidence]:
    """Minors in the household, and whether the care or youth partners the covenant names for
    minors (the decision's ``voters_if_minors``) are involved."""
    minors = sum(1 for p in case.persons if is_minor(p))
    found = [Evidence("household", "minors", {"minors": minors, "members": len(case.persons)})]
    if decision is None or not minors:
        return found
    try:
        care_roles = covenant.decision(decision.kind).voters_if_minors
    except UnknownCode:
        return found
    care = _org_ids(session, covenant, care_roles)
    involved = False
    for r in _referrals(session, case):
        if r.recipient_org_id in care:
            involved = True
            found.append(
                Evidence(
                    "household",
                    "care_referral",
                    {"referral": r.id, "recipient": r.recipient.name, "status": r.status},
                    role=care[r.recipient_org_id],
                    organisation_id=r.recipient_org_id,
                )
            )
    for voter in decision.voters:
        if voter.organisation_id in care:
            involved = True
            # A vote the covenant requires because of the minors reveals nothing else.
            found.append(
                Evidence("household", "care_voter", {"organisation": voter.organisation.name})
            )
    if not involved:
        found.append(Evidence("household", "care_not_involved", {"roles": list(care_roles)}))
    return found


PROVIDERS: list[Provider] = [
    Provider("referrals", "contact_history", referrals),
    Provider("crisis_involvement", "contact_history", crisis_involvement),
    Provider("household", "household", household),
]


def register_provider(provider: Provider) -> None:
    """Add (or replace) the provider of one evidence kind, e.g. the groundwork's."""
    if provider.kind not in EVIDENCE_KINDS:
        raise ValueError(f"unknown evidence kind {provider.kind!r}")
    PROVIDERS[:] = [p for p in PROVIDERS if p.kind != provider.kind] + [provider]


#: Words for the facts of evidence kinds that other rooms provide (``what`` -> describer).
DESCRIBERS: dict[str, Callable[[Evidence, Covenant], str]] = {}


def register_describer(what: str, describe: Callable[[Evidence, Covenant], str]) -> None:
    """How a room's facts read (e.g. the nuisance file's reports and agreements)."""
    DESCRIBERS[what] = describe


def provider_for(kind: str) -> Provider | None:
    return next((p for p in PROVIDERS if p.kind == kind), None)


def collect(
    session: Session, case: Case, covenant: Covenant, decision: Decision | None
) -> dict[str, list[Evidence]]:
    """Every provider's evidence for the case, by kind."""
    return {p.kind: p.collect(session, case, covenant, decision) for p in PROVIDERS}


def kinds_for(covenant: Covenant, step: str) -> tuple[str, ...]:
    """The evidence kinds the covenant shows under a step (every kind when it names none)."""
    return covenant.evidence_for(step) or EVIDENCE_KINDS


def for_step(
    covenant: Covenant, step: str, evidence: Mapping[str, list[Evidence]]
) -> list[Evidence]:
    return [e for kind in kinds_for(covenant, step) for e in evidence.get(kind, [])]


def visible(
    item: Evidence, covenant: Covenant, viewer_org_id: int | None, owner_org_id: int
) -> bool:
    """Whether the viewer may be told about this involvement (the covenant's visibility).

    The owning organisation made the referrals and sees them all; an organisation sees its
    own involvement; others see an involvement only when the role's involvement is visible.
    """
    if item.role is None or viewer_org_id in (owner_org_id, item.organisation_id):
        return True
    try:
        return covenant.involvement_visible(item.role)
    except UnknownCode:
        return False


def _name(table: Mapping[str, Any], code: str | None) -> str:
    from flask_babel import get_locale

    entry = table.get(code or "")
    return entry.name.get(str(get_locale())) if entry is not None else (code or "")


def describe(item: Evidence, covenant: Covenant) -> str:
    """The fact in words, in the user's language."""
    from handover.labels import OUTCOME_LABELS, STATUS_LABELS

    f = item.facts
    if item.what in DESCRIBERS:
        return DESCRIBERS[item.what](item, covenant)
    if item.what == "referral":
        text = _(
            "Overdracht voor %(purpose)s aan %(recipient)s (verstuurd %(sent)s): %(status)s.",
            purpose=_name(covenant.purposes, f.get("purpose")),
            recipient=f.get("recipient"),
            sent=_day(f.get("sent_on")),
            status=STATUS_LABELS.get(f.get("status", ""), f.get("status")),
        )
        if f.get("help_started_on"):
            text += " " + _("Hulp gestart op %(date)s.", date=_day(f["help_started_on"]))
        if f.get("outcome"):
            text += " " + _(
                "Uitkomst: %(outcome)s.",
                outcome=OUTCOME_LABELS.get(f["outcome"], f["outcome"]),
            )
        return text
    if item.what == "crisis_referral":
        return _(
            "Overdracht aan %(recipient)s (verstuurd %(sent)s): %(status)s.",
            recipient=f.get("recipient"),
            sent=_day(f.get("sent_on")),
            status=STATUS_LABELS.get(f.get("status", ""), f.get("status")),
        )
    if item.what == "crisis_voter":
        if f.get("this_decision"):
            return _(
                "%(organisation)s beslist mee over dit besluit.", organisation=f["organisation"]
            )
        return _(
            "%(organisation)s besliste mee over een eerder besluit (%(kind)s).",
            organisation=f.get("organisation"),
            kind=_name(covenant.decisions, f.get("decision_kind")),
        )
    if item.what == "minors":
        return _(
            "%(minors)s in een huishouden van %(members)s.",
            minors=ngettext("%(num)s minderjarige", "%(num)s minderjarigen", f.get("minors", 0)),
            members=ngettext("%(num)s persoon", "%(num)s personen", f.get("members", 0)),
        )
    if item.what == "care_referral":
        return _(
            "Zorg of jeugdhulp betrokken: overdracht aan %(recipient)s (%(status)s).",
            recipient=f.get("recipient"),
            status=STATUS_LABELS.get(f.get("status", ""), f.get("status")),
        )
    if item.what == "care_voter":
        return _(
            "Zorg of jeugdhulp beslist mee: %(organisation)s.", organisation=f.get("organisation")
        )
    if item.what == "care_not_involved":
        return _("Er zijn minderjarigen, maar zorg of jeugdhulp is (nog) niet betrokken.")
    if item.what == "contact_attempts":
        return _(
            "%(channel)s: %(attempts)s, %(reached)s bereikt, van %(first)s tot %(last)s (%(by)s).",
            channel=label(f.get("channel"), "channel"),
            attempts=ngettext("%(num)s poging", "%(num)s pogingen", f.get("attempts", 0)),
            reached=f.get("reached", 0),
            first=_day(f.get("first_on")),
            last=_day(f.get("last_on")),
            by=join_words(f.get("by") or ["—"]),
        )
    if item.what == "payment_arrangement":
        return _(
            "Betalingsregeling vanaf %(start)s: %(status)s (vastgelegd door %(by)s, "
            "bijgewerkt %(updated)s).",
            start=_day(f.get("starts_on")),
            status=label(f.get("status"), "agreement_status"),
            by=f.get("by") or "—",
            updated=_day(f.get("updated_on")),
        )
    return item.what


def _day(iso: str | None) -> str:
    """A stored ISO date as the page writes dates (medium), or a dash."""
    from flask_babel import format_date

    return format_date(date.fromisoformat(iso), "long") if iso else "—"
