"""The decision page's data: what the reader may see of the record and may do with it now.

Personal texts come through the policy point (``reveal``, which audits what it shows); the
evidence under each prevention step is shown per category as the policy point decides, and
its showing is audited by the service. The buttons are the actions ``allowed_actions`` gives,
the same rule the service refuses by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from handover.decisions import labels, policy, prevention, sealing, service
from handover.decisions.forms import (
    BailiffForm,
    ConfirmStepForm,
    DissentForm,
    HearingForm,
    TenancyForm,
    TimelineForm,
    TrajectoryForm,
    VersionedForm,
    VoteForm,
    WithdrawForm,
)
from handover.decisions.models import Decision, DecisionTimelineEntry
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.tenant_input import organisation_names, said, says_of
from portal.covenant.rules import Covenant
from portal.db import utcnow
from portal.extensions import db
from portal.sharing import Withheld, decide, reveal

#: What a decision shows of each household member: who and where, no BSN or contact details.
DECISION_PERSON_FIELDS = (
    "initials",
    "surname",
    "street",
    "house_number",
    "postcode",
    "city",
    "minor",
)


def lang() -> str:
    """The reader's language, for the covenant's names."""
    return str(get_locale())


@dataclass
class StepView:
    """One required prevention step as the reader sees it: the evidence shown, what the
    portal lacks (gaps) and what the policy point withholds from this reader."""

    code: str
    name: str
    confirmation: Any
    items: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


def _evidence_kind_label(kind: str) -> str:
    labels = {
        "referrals": _("Overdrachten en hun uitkomst"),
        "crisis_involvement": _("Betrokkenheid van het crisisteam"),
        "household": _("Huishouden en minderjarigen"),
        "contact_attempts": _("Contactpogingen per kanaal"),
        "payment_arrangements": _("Betalingsregelingen"),
    }
    return labels.get(kind, kind)


def _checklist(
    decision: Decision, covenant: Covenant, actor: Actor
) -> tuple[list[StepView], list[str]]:
    """Each required step with its evidence (as confirmed, or live while unconfirmed)."""
    case = decision.case
    categories = {p.category for p in prevention.PROVIDERS}
    allowed = decide(db.session, actor, case, categories)
    shown_categories = sorted(c for c, d in allowed.items() if d.allowed)
    live: dict[str, list[prevention.Evidence]] | None = None
    steps = []
    for code in covenant.required_prevention_steps(decision.kind):
        confirmation = decision.confirmation(code)
        view = StepView(code, covenant.prevention_steps[code].get(lang()), confirmation)
        if confirmation is not None:
            items = [prevention.Evidence.from_dict(d) for d in confirmation.evidence]
        else:
            if live is None:
                live = prevention.collect(db.session, case, covenant, decision)
            items = prevention.for_step(covenant, code, live)
        for kind in prevention.kinds_for(covenant, code):
            provider = prevention.provider_for(kind)
            if provider is None:
                view.gaps.append(_evidence_kind_label(kind))
                continue
            verdict = allowed[provider.category]
            if not verdict.allowed:
                withheld = Withheld(provider.category, verdict.reason or "not_shared")
                view.withheld.append(f"{_evidence_kind_label(kind)}: {withheld}")
                continue
            of_kind = [
                e
                for e in items
                if e.kind == kind
                and prevention.visible(e, covenant, actor.organisation_id, decision.organisation_id)
            ]
            if not of_kind:
                view.gaps.append(_evidence_kind_label(kind))
            view.items.extend(prevention.describe(e, covenant) for e in of_kind)
        steps.append(view)
    return steps, shown_categories


def _timeline(case: Case) -> list[DecisionTimelineEntry]:
    return list(
        db.session.scalars(
            select(DecisionTimelineEntry)
            .where(DecisionTimelineEntry.case_id == case.id)
            .order_by(DecisionTimelineEntry.happens_on, DecisionTimelineEntry.id)
        )
    )


def _forms(
    decision: Decision, covenant: Covenant, actor: Actor, failed: dict[str, Any]
) -> dict[str, Any]:
    """Every form of the page, blank, except the one that failed (with its errors)."""
    voter = decision.voter_for(actor.organisation_id)
    forms: dict[str, Any] = {}
    for step in covenant.required_prevention_steps(decision.kind):
        key = f"step-{step}"
        forms[key] = failed.get(key) or ConfirmStepForm(
            prefix=key, formdata=None, version=decision.version
        )
    forms["hearing"] = failed.get("hearing") or HearingForm(
        prefix="hearing", formdata=None, version=decision.version, how=decision.tenant_heard
    )
    kinds = service.trajectory_kinds(covenant, decision)
    trajectory = decision.trajectory
    forms["trajectory"] = failed.get("trajectory") or TrajectoryForm(
        prefix="trajectory",
        formdata=None,
        version=decision.version,
        kind=trajectory.kind if trajectory else (kinds[0] if kinds else None),
        months=trajectory.months
        if trajectory
        else (covenant.decision(kinds[0]).min_months if kinds else None),
    )
    forms["trajectory"].kind.choices = [
        SelectChoice(k, covenant.decision(k).name.get(lang())) for k in kinds
    ]
    forms["open_voting"] = failed.get("open_voting") or VersionedForm(
        prefix="open", formdata=None, version=decision.version
    )
    forms["withdraw"] = failed.get("withdraw") or WithdrawForm(
        prefix="withdraw", formdata=None, version=decision.version
    )
    forms["vote"] = failed.get("vote") or VoteForm(
        prefix="vote", formdata=None, voter_version=voter.version if voter else 0
    )
    forms["dissent"] = failed.get("dissent") or DissentForm(prefix="dissent", formdata=None)
    forms["timeline"] = failed.get("timeline") or TimelineForm(prefix="timeline", formdata=None)
    forms["tenancy"] = failed.get("tenancy") or TenancyForm(prefix="tenancy", formdata=None)
    forms["bailiff"] = failed.get("bailiff") or BailiffForm(prefix="bailiff", formdata=None)
    return forms


def context(
    decision: Decision,
    actor: Actor,
    *,
    action: str = "decision.view",
    failed: dict[str, Any] | None = None,
    error: str | None = None,
    error_section: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """Everything the page (or the PDF, ``action="decision.pdf"``) shows to ``actor``.

    Writes the audit events of what it shows (through the policy point and the service);
    the caller commits.
    """
    case = decision.case
    covenant = service.covenant_for(db.session, decision)
    timeline = _timeline(case)
    steps, evidence_categories = _checklist(decision, covenant, actor)
    says = says_of(db.session, case)  # offered to the partners: she is heard, not only us
    # Why the bailiff should wait (the shelter hand-over), for the owner: blocking or not.
    holds = (
        policy.bailiff_holds(db.session, decision)
        if decision.assignment is not None
        and actor.organisation_id == decision.organisation_id
        and decision.assignment.bailiff_instructed_on is None
        else []
    )
    fields = _fields(decision, timeline)
    fields.update((say, ("text", "answer")) for say in says)
    fields.update((hold.reason[0], (hold.reason[1],)) for hold in holds if hold.reason)
    shown = reveal(
        db.session,
        actor,
        case,
        fields,
        action=action,
        purpose=decision.purpose,
        also_shown=evidence_categories,
    )
    now = utcnow()
    allowed = policy.allowed_actions(actor, decision, now=now)
    seal_check = sealing.verify_seal(db.session, decision) if decision.is_sealed else None
    return {
        "decision": decision,
        "case": case,
        "covenant": covenant,
        "rule_name": labels.RULES.get(decision.rule),
        "rule_explanation": labels.RULE_EXPLANATIONS.get(decision.rule),
        "definition": covenant.decision(decision.kind),
        "voting": covenant.voters(decision.kind, minors_present=decision.minors_present),
        "shown": shown,
        "steps": steps,
        "open_items": service.open_items(db.session, decision)
        if decision.status == "preparing"
        else [],
        "timeline": timeline,
        "said": said(says, shown, organisation_names(db.session, says)),
        "texts": labels,
        "voter": decision.voter_for(actor.organisation_id),
        "can_vote": policy.VOTE in allowed,
        "can_dissent": policy.DISSENT in allowed,
        "can_prepare": policy.PREPARE in allowed,
        "can_withdraw": policy.WITHDRAW in allowed,
        "can_timeline": policy.TIMELINE in allowed,
        "can_tenancy": policy.TENANCY in allowed,
        "can_bailiff": policy.BAILIFF in allowed,
        "is_owner": actor.organisation_id == decision.organisation_id,
        "bailiff_holds": holds,
        "trajectory_kinds": service.trajectory_kinds(covenant, decision),
        "votes_of": {
            v.id: [x for x in decision.votes if x.voter_id == v.id] for v in decision.voters
        },
        "now": now,
        "seal_check": seal_check,
        "forms": _forms(decision, covenant, actor, failed or {}),
        "error": error,
        "error_section": error_section,
        "notice": notice,
        "viewer_organisation": db.session.get_one(Organisation, actor.organisation_id).name
        if actor.organisation_id
        else "",
    }


def _fields(
    decision: Decision, timeline: list[DecisionTimelineEntry]
) -> dict[Any, tuple[str, ...]]:
    """Every personal field the page shows, for one ``reveal``."""
    case = decision.case
    fields: dict[Any, tuple[str, ...]] = dict.fromkeys(case.persons, DECISION_PERSON_FIELDS)
    fields[case] = ("arrears_cents",)
    fields[decision] = ("motivation", "withdrawn_reason", "tenant_heard_note")
    for c in decision.confirmations:
        fields[c] = ("motivation",)
    for vote in decision.votes:
        fields[vote] = ("motivation",)
    for dissent in decision.dissents:
        fields[dissent] = ("text",)
    for entry in timeline:
        fields[entry] = ("note",)
    if decision.trajectory is not None:
        fields[decision.trajectory] = ("conditions", "support_agreement", "tenancy_note")
    return fields
