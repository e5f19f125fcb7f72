"""Opening a decision and preparing it: the prevention steps, the trajectory, opening the vote
or withdrawing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.decisions import policy, prevention
from handover.decisions.models import (
    COURT_STATUSES,
    GROUNDS,
    HEARD,
    OPEN,
    Decision,
    PreventionConfirmation,
    Trajectory,
)
from handover.decisions.service._common import (
    MAX_MONTHS,
    audit,
    clean_text,
    covenant_for,
    lock,
    minors_present,
    notify,
    sync_voters,
    voter_orgs,
)
from portal.actor import Actor
from portal.cases.models import Case
from portal.covenant.rules import (
    Covenant,
    UnknownCode,
    active_covenant,
    require_active_version,
)
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.workdays import local_date

# --- opening and preparing ------------------------------------------------------------------


def open_decision(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    kind: str,
    grounds: Iterable[str],
    court_status: str,
    judgment_date: date | None,
    motivation: str,
    now: datetime | None = None,
) -> Decision:
    """The owning organisation opens a decision on its case; the voters can read it at once."""
    if not policy.casework_staff(actor):
        raise Forbidden()
    now = now or utcnow()
    if case.organisation_id != actor.organisation_id:
        raise NotFound()
    if case.status == "closed":
        raise DomainError(_l("Over een gesloten casus wordt geen besluit meer genomen."))
    covenant = active_covenant(session)
    if kind not in covenant.decisions:
        raise DomainError(_l("Het convenant kent dit soort besluit niet."))
    chosen = sorted(set(grounds))
    if not chosen or any(g not in GROUNDS for g in chosen):
        raise DomainError(_l("Kies minstens één grond."))
    if court_status not in COURT_STATUSES:
        raise DomainError(_l("Kies de stand van de rechtszaak."))
    if court_status == "judgment":
        if judgment_date is None:
            raise DomainError(_l("Vul de datum van het vonnis in."))
        if judgment_date > local_date(now):
            raise DomainError(_l("De datum van het vonnis ligt in de toekomst."))
    else:
        judgment_date = None
    text = clean_text(motivation, required=True, what=_l("een motivering"))
    existing = session.scalar(
        select(Decision.id).where(
            Decision.case_id == case.id, Decision.kind == kind, Decision.status.in_(OPEN)
        )
    )
    if existing is not None:
        raise Conflict(_l("Over deze casus loopt al zo'n besluit."))
    rule = covenant.voters(kind, minors_present=minors_present(case))
    decision = Decision(
        case=case,
        covenant_version_id=require_active_version(session).id,
        kind=kind,
        purpose=rule.purpose,
        organisation_id=actor.organisation_id,
        opened_by_id=actor.user_id,
        status="preparing",
        grounds=chosen,
        court_status=court_status,
        judgment_date=judgment_date,
        rule=rule.rule,
        voting_days=rule.voting_days,
        created_at=now,
    )
    decision.motivation = text
    session.add(decision)
    session.flush()
    sync_voters(session, decision, covenant)
    audit(session, actor, "decision.opened", decision, wrote_text=True, kind=kind)
    others = [o for o in voter_orgs(decision) if o != actor.organisation_id]
    notify(session, others, decision, "Gezamenlijk besluit in voorbereiding")
    return decision


def _preparing(session: Session, actor: Actor, decision: Decision, version: int | None) -> Decision:
    policy.require_party(actor, decision, policy.PREPARE)
    decision = lock(session, decision, version)
    policy.require(actor, decision, policy.PREPARE)
    return decision


def confirm_step(
    session: Session,
    actor: Actor,
    decision: Decision,
    step: str,
    motivation: str,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> PreventionConfirmation:
    """The owner confirms a required prevention step, with the evidence as it is now."""
    now = now or utcnow()
    decision = _preparing(session, actor, decision, version)
    covenant = covenant_for(session, decision)
    if step not in covenant.required_prevention_steps(decision.kind):
        raise NotFound()
    text = clean_text(motivation, required=True, what=_l("een motivering"))
    evidence = prevention.collect(session, decision.case, covenant, decision)
    snapshot = [e.as_dict() for e in prevention.for_step(covenant, step, evidence)]
    confirmation = decision.confirmation(step)
    if confirmation is None:
        confirmation = PreventionConfirmation(step=step)
        decision.confirmations.append(confirmation)
    confirmation.organisation_id = decision.organisation_id  # require() admits only the owner
    confirmation.user_id = actor.user_id
    confirmation.confirmed_at = now
    confirmation.motivation = text
    confirmation.evidence = snapshot
    session.flush()
    audit(session, actor, "decision.prevention_confirmed", decision, wrote_text=True, step=step)
    return confirmation


def record_hearing(
    session: Session,
    actor: Actor,
    decision: Decision,
    how: str,
    note: str,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Whether and how the tenant was heard before the vote ("talk with people, not about
    them"): in person, in writing (her own words on the case), or why not. Required before
    the vote opens, and part of the sealed record."""
    decision = _preparing(session, actor, decision, version)
    if how not in HEARD:
        raise DomainError(_l("Kies hoe de huurder is gehoord."))
    decision.tenant_heard = how
    decision.tenant_heard_note = clean_text(note, required=True, what=_l("hoe dat ging"))
    session.flush()
    audit(session, actor, "decision.tenant_heard", decision, wrote_text=True, how=how)
    return decision


def trajectory_kinds(covenant: Covenant, decision: Decision) -> list[str]:
    """Which trajectory may be prepared: the decision's own, or its covenant alternatives."""
    own = covenant.decision(decision.kind)
    if own.effect == "trajectory":
        return [own.code]
    return [d.code for d in covenant.alternatives(decision.kind) if d.effect == "trajectory"]


def prepare_trajectory(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    kind: str,
    months: int,
    conditions: str,
    support_agreement: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Trajectory:
    """The terms voted on (a trajectory decision) or applying on refusal (an alternative)."""
    now = now or utcnow()
    decision = _preparing(session, actor, decision, version)
    covenant = covenant_for(session, decision)
    if kind not in trajectory_kinds(covenant, decision):
        raise DomainError(_l("Dit traject kan bij dit besluit niet worden voorbereid."))
    minimum = covenant.decision(kind).min_months or 1
    if not isinstance(months, int) or months < minimum:
        raise DomainError(
            _l(
                "Een %(name)s duurt minstens %(n)s maanden.",
                name=_kind_name(covenant, kind),
                n=minimum,
            )
        )
    if months > MAX_MONTHS:
        raise DomainError(_l("Een traject duurt hoogstens %(n)s maanden.", n=MAX_MONTHS))
    conditions_text = clean_text(conditions, required=True, what=_l("de voorwaarden"))
    support_text = clean_text(support_agreement, required=True, what=_l("de afspraken over hulp"))
    trajectory = decision.trajectory
    if trajectory is None:
        trajectory = Trajectory(case=decision.case, status="proposed")
        decision.trajectory = trajectory
    trajectory.kind = kind
    trajectory.months = months
    trajectory.conditions = conditions_text
    trajectory.support_agreement = support_text
    trajectory.updated_at = now
    session.flush()
    audit(
        session,
        actor,
        "decision.trajectory_prepared",
        decision,
        wrote_text=True,
        trajectory_kind=kind,
        months=months,
    )
    return trajectory


def _kind_name(covenant: Covenant, kind: str) -> str:
    from flask import has_request_context
    from flask_babel import get_locale

    lang = str(get_locale()) if has_request_context() else "nl"
    try:
        return covenant.decision(kind).name.get(lang).lower()
    except UnknownCode:
        return kind


def open_items(session: Session, decision: Decision) -> list[str]:
    """What still stands in the way of the vote: unconfirmed steps, missing trajectory terms."""
    covenant = covenant_for(session, decision)
    missing = [
        step
        for step in covenant.required_prevention_steps(decision.kind)
        if decision.confirmation(step) is None
    ]
    if covenant.decision(decision.kind).effect == "trajectory" and decision.trajectory is None:
        missing.append("trajectory")
    if decision.tenant_heard is None:
        missing.append("tenant_heard")
    return missing


def open_voting(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Open the vote; refused while a required prevention step is unconfirmed."""
    now = now or utcnow()
    decision = _preparing(session, actor, decision, version)
    missing = open_items(session, decision)
    if missing:
        raise DomainError(
            _l("De stemming kan nog niet open: niet alle preventiestappen zijn bevestigd.")
            if missing != ["tenant_heard"]
            else _l("De stemming kan nog niet open: leg eerst vast hoe de huurder is gehoord.")
        )
    covenant = covenant_for(session, decision)
    sync_voters(session, decision, covenant)
    decision.status = "voting"
    decision.voting_opened_at = now
    decision.deadline_at = now + timedelta(days=decision.voting_days)
    session.flush()
    audit(
        session,
        actor,
        "decision.voting_opened",
        decision,
        deadline=decision.deadline_at.isoformat(),
        voters=len(decision.voters),
    )
    notify(session, voter_orgs(decision), decision, "Stemming geopend over een gezamenlijk besluit")
    return decision


def withdraw(
    session: Session,
    actor: Actor,
    decision: Decision,
    reason: str,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """The owner stops a decision before its outcome (e.g. the arrears were paid)."""
    policy.require_party(actor, decision, policy.WITHDRAW)
    now = now or utcnow()
    text = clean_text(reason, required=True, what=_l("een reden"))
    decision = lock(session, decision, version)
    policy.require(actor, decision, policy.WITHDRAW, now=now)
    decision.status = "withdrawn"
    decision.withdrawn_reason = text
    decision.closed_at = now
    session.flush()
    policy.sync_grants(session, decision)  # a withdrawn decision grants nothing
    audit(session, actor, "decision.withdrawn", decision, wrote_text=True)
    notify(session, voter_orgs(decision), decision, "Gezamenlijk besluit ingetrokken")
    return decision
