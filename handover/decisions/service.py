"""The life of a joint decision; every step is one function with its rules.

preparing → voting → decided (sealed) | withdrawn.

* ``open_decision``: the owning organisation opens a decision of a covenant kind on its case,
  with grounds, court status and its motivation. The covenant's rules (voters, rule, veto,
  voting days, prevention steps) are fixed from the active version; the required voter
  organisations are listed at once, so they can read the record while it is prepared.
* ``confirm_step``: the owner confirms each required prevention step with a motivation; the
  evidence the portal showed is stored with it.
* ``prepare_trajectory``: the terms of the trajectory that is voted on (a trajectory
  decision) or that applies when the decision is refused (an eviction's alternative).
* ``open_voting``: only when every required step is confirmed. The voters are fixed (minors in
  the household now add the covenant's ``voters_if_minors``), the deadline is set.
* ``cast_vote``: one current vote per required organisation, by its staff, until the
  deadline; a change adds a row (the history is kept). The decision row is locked and the
  voter's version checked, so two colleagues voting at once produce one vote and the other
  is told; when the last missing vote arrives the vote closes at once.
* ``close`` / ``close_due``: compute the outcome (``outcome.py``), seal the record, and carry
  out its effect: an approved eviction gives the owner the assignment and tells the
  crisis-response partners; a trajectory starts (as proposed, or as the refused eviction's
  alternative). Runs exactly once: under the decision's row lock, only from ``voting``.
* ``add_dissent``, ``add_timeline_entry``, ``record_tenancy_agreement``, ``withdraw``.

Every write is audited in the same transaction; e-mails name a reference and a link only.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.decisions import outcome as rules
from handover.decisions import policy, prevention, sealing
from handover.decisions.models import (
    COURT_STATUSES,
    GROUNDS,
    OPEN,
    POSITIONS,
    TIMELINE_KINDS,
    Assignment,
    Decision,
    DecisionDissent,
    DecisionTimelineEntry,
    DecisionVote,
    DecisionVoter,
    PreventionConfirmation,
    Trajectory,
)
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.service import is_minor
from portal.covenant.models import CovenantVersion
from portal.covenant.rules import (
    Covenant,
    UnknownCode,
    active_covenant,
    covenant_of,
    require_active_version,
)
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.links import external_url
from portal.outbox.notices import notify_casework

TEXT_MIN = 10
TEXT_MAX = 4000
#: The longest trajectory the form accepts (ten years).
MAX_MONTHS = 120


# --- helpers --------------------------------------------------------------------------------


def _text(value: str | None, *, required: bool, what: Any) -> str | None:
    text = (value or "").strip()
    if required and len(text) < TEXT_MIN:
        raise DomainError(_l("Schrijf %(what)s (minstens %(n)s tekens).", what=what, n=TEXT_MIN))
    if len(text) > TEXT_MAX:
        raise DomainError(_l("De tekst is te lang (maximaal %(n)s tekens).", n=TEXT_MAX))
    return text or None


def covenant_for(session: Session, decision: Decision) -> Covenant:
    """The rules the decision was opened under (its covenant version)."""
    return covenant_of(session.get_one(CovenantVersion, decision.covenant_version_id))


def minors_present(case: Case) -> bool:
    return any(is_minor(p) for p in case.persons)


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RequiredVoter:
    organisation: Organisation
    roles: tuple[str, ...]
    veto: bool


def required_voters(
    session: Session, covenant: Covenant, kind: str, *, minors: bool
) -> list[RequiredVoter]:
    """The organisations that must vote: every partner playing a required role, once each."""
    voting = covenant.voters(kind, minors_present=minors)
    by_slug: dict[str, list[str]] = {}
    for role in voting.required_roles:
        for slug in covenant.partners_with_role(role):
            by_slug.setdefault(slug, []).append(role)
    orgs = {
        o.slug: o
        for o in session.scalars(select(Organisation).where(Organisation.slug.in_(by_slug)))
    }
    return [
        RequiredVoter(orgs[slug], tuple(roles), any(r in voting.veto_roles for r in roles))
        for slug, roles in by_slug.items()
        if slug in orgs
    ]


def _sync_voters(session: Session, decision: Decision, covenant: Covenant) -> None:
    """Make the voter rows match the covenant's rules for the household as it is now."""
    decision.minors_present = minors_present(decision.case)
    wanted = {
        v.organisation.id: v
        for v in required_voters(session, covenant, decision.kind, minors=decision.minors_present)
    }
    for voter in list(decision.voters):
        if voter.organisation_id not in wanted and voter.position is None:
            decision.voters.remove(voter)
    for org_id, want in wanted.items():
        found = decision.voter_for(org_id)
        if found is None:
            decision.voters.append(
                DecisionVoter(
                    organisation=want.organisation, roles=list(want.roles), veto=want.veto
                )
            )
        elif found.roles != list(want.roles) or found.veto != want.veto:
            found.roles, found.veto = list(want.roles), want.veto
    session.flush()


def _lock(session: Session, decision: Decision, expected_version: int | None = None) -> Decision:
    """Lock the decision row and re-read it (and its voters); refuse a stale form."""
    locked = session.scalars(
        select(Decision)
        .where(Decision.id == decision.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    session.scalars(
        select(DecisionVoter)
        .where(DecisionVoter.decision_id == locked.id)
        .execution_options(populate_existing=True)
    ).all()
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    return locked


def _notify(
    session: Session, organisation_ids: Iterable[int], decision: Decision, what: str
) -> None:
    """E-mail the organisations' casework staff what happened to the decision."""
    reference = decision.case.reference
    notify_casework(
        session,
        organisation_ids,
        subject=f"{what} ({reference})",
        lines=[f"{what}.", "", f"Casus: {reference}", f"Besluit: {decision.id}"],
        link=external_url("decisions.detail", decision_id=decision.id),
        kind="decision",
    )


def _voter_orgs(decision: Decision) -> list[int]:
    return [v.organisation_id for v in decision.voters]


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    decision: Decision,
    *,
    wrote_text: bool = False,
    **detail: Any,
):
    return record(
        session,
        actor,
        action,
        case_id=decision.case_id,
        categories=["identity"] if wrote_text else [],
        detail={"decision": decision.id, **detail},
    )


def record_evidence_shown(
    session: Session, actor: Actor, decision: Decision, categories: list[str], *, action: str
) -> None:
    """Audit the prevention evidence a page or PDF showed (``<action>.evidence``): it is
    assembled from the case's records, not revealed field by field."""
    if categories:
        record(
            session,
            actor,
            f"{action}.evidence",
            case_id=decision.case_id,
            categories=categories,
            detail={"decision": decision.id},
        )


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
        if judgment_date > now.date():
            raise DomainError(_l("De datum van het vonnis ligt in de toekomst."))
    else:
        judgment_date = None
    text = _text(motivation, required=True, what=_l("een motivering"))
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
    _sync_voters(session, decision, covenant)
    _audit(session, actor, "decision.opened", decision, wrote_text=True, kind=kind)
    others = [o for o in _voter_orgs(decision) if o != actor.organisation_id]
    _notify(session, others, decision, "Gezamenlijk besluit in voorbereiding")
    return decision


def _preparing(session: Session, actor: Actor, decision: Decision, version: int | None) -> Decision:
    policy.require_party(actor, decision, policy.PREPARE)
    decision = _lock(session, decision, version)
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
    text = _text(motivation, required=True, what=_l("een motivering"))
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
    _audit(session, actor, "decision.prevention_confirmed", decision, wrote_text=True, step=step)
    return confirmation


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
    conditions_text = _text(conditions, required=True, what=_l("de voorwaarden"))
    support_text = _text(support_agreement, required=True, what=_l("de afspraken over hulp"))
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
    _audit(
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
        )
    covenant = covenant_for(session, decision)
    _sync_voters(session, decision, covenant)
    decision.status = "voting"
    decision.voting_opened_at = now
    decision.deadline_at = now + timedelta(days=decision.voting_days)
    session.flush()
    _audit(
        session,
        actor,
        "decision.voting_opened",
        decision,
        deadline=decision.deadline_at.isoformat(),
        voters=len(decision.voters),
    )
    _notify(
        session, _voter_orgs(decision), decision, "Stemming geopend over een gezamenlijk besluit"
    )
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
    text = _text(reason, required=True, what=_l("een reden"))
    decision = _lock(session, decision, version)
    policy.require(actor, decision, policy.WITHDRAW, now=now)
    decision.status = "withdrawn"
    decision.withdrawn_reason = text
    decision.closed_at = now
    session.flush()
    _audit(session, actor, "decision.withdrawn", decision, wrote_text=True)
    _notify(session, _voter_orgs(decision), decision, "Gezamenlijk besluit ingetrokken")
    return decision


# --- voting ----------------------------------------------------------------------------------


def cast_vote(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    position: str,
    motivation: str,
    conflict_of_interest: bool = False,
    voter_version: int | None = None,
    now: datetime | None = None,
) -> DecisionVote:
    """Record (or change) the vote of the actor's organisation until the deadline."""
    policy.require_party(actor, decision, policy.VOTE)
    now = now or utcnow()
    if position not in POSITIONS:
        raise DomainError(_l("Kies eens, oneens of onthouding."))
    if conflict_of_interest and position != "abstain":
        raise DomainError(_l("Belangenverstrengeling geldt alleen bij een onthouding."))
    text = _text(motivation, required=True, what=_l("een motivering"))
    decision = _lock(session, decision)
    policy.require(actor, decision, policy.VOTE, now=now)
    voter = decision.voter_for(actor.organisation_id)
    assert voter is not None  # require() refused every organisation that does not vote
    if voter_version is not None and voter.version != voter_version:
        raise Conflict(_l("Een collega heeft net voor uw organisatie gestemd. Bekijk de stem."))
    changed = voter.position is not None
    vote = DecisionVote(
        voter=voter,
        organisation_id=voter.organisation_id,
        user_id=actor.user_id,
        position=position,
        conflict_of_interest=conflict_of_interest,
        cast_at=now,
    )
    decision.votes.append(vote)
    vote.motivation = text
    voter.position = position
    voter.conflict_of_interest = conflict_of_interest
    voter.voted_at = now
    session.flush()
    _audit(
        session,
        actor,
        "decision.vote_changed" if changed else "decision.vote_cast",
        decision,
        wrote_text=True,
        position=position,
        conflict_of_interest=conflict_of_interest,
    )
    if all(v.position is not None for v in decision.voters):
        close(session, decision, now=now, actor=actor)
    return vote


def ballots(decision: Decision) -> list[rules.Ballot]:
    return [rules.Ballot(v.position, v.veto, v.conflict_of_interest) for v in decision.voters]


def close(
    session: Session, decision: Decision, *, now: datetime | None = None, actor: Actor
) -> rules.Outcome | None:
    """Compute the outcome, seal the record and carry out its effect — exactly once.

    The caller holds the decision's row lock (``_lock``); a decision that is no longer being
    voted on is left alone (someone else closed it first).
    """
    now = now or utcnow()
    if decision.status != "voting":
        return None
    result = rules.compute(decision.rule, ballots(decision))
    decision.status = "decided"
    decision.closed_at = now
    decision.outcome = result.result
    decision.outcome_reasons = list(result.reasons)
    decision.tally = dict(result.tally)
    session.flush()
    sealing.seal(session, decision, actor, now)
    _carry_out(session, decision, actor, now)
    _notify(
        session,
        {*_voter_orgs(decision), decision.organisation_id},
        decision,
        "Gezamenlijk besluit genomen",
    )
    return result


def close_due(session: Session, *, now: datetime | None = None) -> list[int]:
    """Close every vote whose deadline has passed (``flask --app wsgi decisions close``)."""
    now = now or utcnow()
    actor = Actor.system("cli:decisions close")
    closed = []
    due = session.scalars(
        select(Decision.id).where(Decision.status == "voting", Decision.deadline_at <= now)
    ).all()
    for decision_id in due:
        decision = _lock(session, session.get_one(Decision, decision_id))
        deadline = decision.deadline_at
        if decision.status == "voting" and deadline is not None and deadline <= now:
            close(session, decision, now=now, actor=actor)
            closed.append(decision_id)
    return closed


def _carry_out(session: Session, decision: Decision, actor: Actor, now: datetime) -> None:
    """What the sealed outcome leads to: the assignment, or a trajectory starting."""
    covenant = covenant_for(session, decision)
    effect = covenant.decision(decision.kind).effect
    trajectory = decision.trajectory
    approved = decision.outcome == "approved"
    if effect == "assignment" and approved:
        assignment = Assignment(
            decision_id=decision.id,
            case_id=decision.case_id,
            organisation_id=decision.organisation_id,
            status="issued",
            issued_at=now,
            updated_at=now,
        )
        session.add(assignment)
        session.flush()
        _audit(session, actor, "decision.assignment_issued", decision)
        crisis = [
            o.id
            for role in covenant.crisis_roles()
            for o in session.scalars(
                select(Organisation).where(Organisation.slug.in_(covenant.partners_with_role(role)))
            )
        ]
        _notify(
            session,
            crisis,
            decision,
            "Ontruiming besloten: crisisteam en opvang, bereid de opvang voor",
        )
    starts = (effect == "trajectory" and approved) or (effect == "assignment" and not approved)
    if trajectory is None:
        return
    if starts:
        trajectory.status = "active"
        trajectory.starts_on = now.date()
        trajectory.ends_on = add_months(trajectory.starts_on, trajectory.months)
        trajectory.updated_at = now
        session.add(
            DecisionTimelineEntry(
                case=decision.case,
                decision_id=decision.id,
                kind="agreement_deadline",
                happens_on=trajectory.ends_on,
                organisation_id=decision.organisation_id,
                created_at=now,
            )
        )
        session.flush()
        _audit(
            session,
            actor,
            "decision.trajectory_started",
            decision,
            trajectory_kind=trajectory.kind,
            months=trajectory.months,
        )
    else:
        trajectory.status = "not_adopted"
        trajectory.updated_at = now
        session.flush()


# --- after the outcome -----------------------------------------------------------------------


def add_dissent(
    session: Session, actor: Actor, decision: Decision, text: str, *, now: datetime | None = None
) -> DecisionDissent:
    """An outvoted partner records its dissent; it is kept beside the seal, not in it."""
    now = now or utcnow()
    policy.require(actor, decision, policy.DISSENT, now=now)
    body = _text(text, required=True, what=_l("uw afwijkend standpunt"))
    dissent = DecisionDissent(
        organisation_id=actor.organisation_id, user_id=actor.user_id, recorded_at=now
    )
    decision.dissents.append(dissent)
    dissent.text = body
    session.flush()
    _audit(session, actor, "decision.dissent", decision, wrote_text=True)
    return dissent


def add_timeline_entry(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    kind: str,
    happens_on: date,
    note: str | None,
    now: datetime | None = None,
) -> DecisionTimelineEntry:
    """A date on the case's shared eviction timeline, visible to every partner involved."""
    now = now or utcnow()
    policy.require(actor, decision, policy.TIMELINE, now=now)
    if kind not in TIMELINE_KINDS:
        raise DomainError(_l("Kies wat voor datum het is."))
    text = _text(note, required=False, what=_l("een toelichting"))
    entry = DecisionTimelineEntry(
        case=decision.case,
        decision_id=decision.id,
        kind=kind,
        happens_on=happens_on,
        organisation_id=actor.organisation_id,
        user_id=actor.user_id,
        created_at=now,
    )
    if text:
        entry.note = text
    session.add(entry)
    session.flush()
    _audit(
        session,
        actor,
        "decision.timeline_added",
        decision,
        wrote_text=bool(text),
        timeline_kind=kind,
    )
    return entry


def record_tenancy_agreement(
    session: Session,
    actor: Actor,
    decision: Decision,
    *,
    signed_on: date,
    note: str | None,
    now: datetime | None = None,
) -> Trajectory:
    """The corporation records the new conditional tenancy agreement of a started trajectory."""
    policy.require_party(actor, decision, policy.TENANCY)
    now = now or utcnow()
    decision = _lock(session, decision)
    policy.require(actor, decision, policy.TENANCY, now=now)
    trajectory = decision.trajectory
    assert trajectory is not None  # require() refused a decision without a started trajectory
    if signed_on > now.date():
        raise DomainError(_l("De datum van ondertekening ligt in de toekomst."))
    text = _text(note, required=False, what=_l("een toelichting"))
    trajectory.tenancy_signed_on = signed_on
    if text:
        trajectory.tenancy_note = text
    trajectory.tenancy_recorded_by_id = actor.user_id
    trajectory.tenancy_recorded_at = now
    trajectory.updated_at = now
    session.flush()
    _audit(session, actor, "decision.tenancy_recorded", decision, wrote_text=bool(text))
    return trajectory
