"""Voting and closing: one current vote per required organisation, the outcome computed,
sealed and carried out exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.decisions import outcome as rules
from handover.decisions import policy, sealing
from handover.decisions.models import (
    POSITIONS,
    Assignment,
    Decision,
    DecisionTimelineEntry,
    DecisionVote,
)
from handover.decisions.service._common import (
    add_months,
    audit,
    clean_text,
    covenant_for,
    lock,
    notify,
    voter_orgs,
)
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.db import utcnow
from portal.errors import Conflict, DomainError
from portal.workdays import local_date

#: What else an issued assignment sets going (the shelter hand-over registers itself here):
#: called in the same transaction, after the assignment row exists.
AssignmentHook = Callable[[Session, Decision, Assignment, datetime], object]
_assignment_hooks: list[AssignmentHook] = []


def on_assignment_issued(hook: AssignmentHook) -> None:
    if hook not in _assignment_hooks:
        _assignment_hooks.append(hook)


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
    text = clean_text(motivation, required=True, what=_l("een motivering"))
    decision = lock(session, decision)
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
    audit(
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

    The caller holds the decision's row lock (``lock``); a decision that is no longer being
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
    policy.sync_grants(session, decision)  # a decided decision still grants its voters
    sealing.seal(session, decision, actor, now)
    _carry_out(session, decision, actor, now)
    notify(
        session,
        {*voter_orgs(decision), decision.organisation_id},
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
        decision = lock(session, session.get_one(Decision, decision_id))
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
        audit(session, actor, "decision.assignment_issued", decision)
        crisis = [
            o.id
            for role in covenant.crisis_roles()
            for o in session.scalars(
                select(Organisation).where(Organisation.slug.in_(covenant.partners_with_role(role)))
            )
        ]
        notify(
            session,
            crisis,
            decision,
            "Ontruiming besloten: crisisteam en opvang, bereid de opvang voor",
        )
        for hook in _assignment_hooks:
            hook(session, decision, assignment, now)
    starts = (effect == "trajectory" and approved) or (effect == "assignment" and not approved)
    if trajectory is None:
        return
    if starts:
        trajectory.status = "active"
        trajectory.starts_on = local_date(now)
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
        audit(
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
