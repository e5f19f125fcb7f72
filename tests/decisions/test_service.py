"""The life of a decision through its service: rules, refusals, seal, effects, grants."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from handover import service as referrals
from handover.decisions import prevention, sealing, service
from handover.decisions.models import (
    Assignment,
    Decision,
    DecisionTimelineEntry,
    DecisionVote,
    SealedRecord,
)
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.outbox.models import OutboxMessage
from portal.outbox.service import body_of, recipient
from portal.sharing import decide, reveal
from portal.workdays import local_today
from tests.decisions.conftest import MOTIVATION, confirm_all, open_eviction, ready_to_vote

WHY = "Onze afweging: de kinderen moeten in hun school kunnen blijven."


def vote(session, people, decision, org, position, *, conflict=False, now=None, why=WHY):
    return service.cast_vote(
        session,
        people[org][1],
        decision,
        position=position,
        motivation=f"{why} ({org})",
        conflict_of_interest=conflict,
        now=now,
    )


# --- opening and preparing ------------------------------------------------------------------


def test_only_the_owning_organisation_opens(session, people, family_case):
    with pytest.raises(NotFound):
        service.open_decision(
            session, people["crisisteam"][1], family_case, kind="eviction", grounds=["arrears"],
            court_status="none", judgment_date=None, motivation=MOTIVATION,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"grounds": []}, "grond"),
        ({"grounds": ["gossip"]}, "grond"),
        ({"court_status": "judgment", "judgment_date": None}, "vonnis"),
        ({"judgment_date": local_today() + timedelta(days=30)}, "toekomst"),
        ({"motivation": "kort"}, "motivering"),
        ({"kind": "demolition"}, "convenant"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(session, people, family_case, overrides, message):
    with pytest.raises(DomainError) as refused:
        open_eviction(session, people, family_case, **overrides)
    assert message in str(refused.value.message)
    assert session.scalar(select(Decision.id)) is None


def test_one_open_decision_of_a_kind_per_case(session, people, family_case):
    open_eviction(session, people, family_case)
    with pytest.raises(Conflict):
        open_eviction(session, people, family_case)


def test_voting_cannot_open_while_a_step_is_unconfirmed(session, people, family_case):
    decision = open_eviction(session, people, family_case)
    steps = service.covenant_for(session, decision).required_prevention_steps("eviction")
    for step in steps[:-1]:
        service.confirm_step(session, people["corporatie"][1], decision, step, MOTIVATION)
    assert service.open_items(session, decision) == [steps[-1], "tenant_heard"]
    with pytest.raises(DomainError, match="preventiestappen"):
        service.open_voting(session, people["corporatie"][1], decision)
    assert decision.status == "preparing"
    with pytest.raises(Conflict):  # voting is not open: no vote
        service.cast_vote(
            session, people["crisisteam"][1], decision, position="agree", motivation=WHY
        )
    service.confirm_step(session, people["corporatie"][1], decision, steps[-1], MOTIVATION)
    # Talk with people, not about them: the vote waits until the tenant was heard.
    with pytest.raises(DomainError, match="gehoord"):
        service.open_voting(session, people["corporatie"][1], decision)
    with pytest.raises(DomainError):
        service.record_hearing(session, people["corporatie"][1], decision, "by_rumour", "Zo.")
    with pytest.raises(Forbidden):  # a voter, not the owner
        service.record_hearing(session, people["crisisteam"][1], decision, "in_person", "Ja ja.")
    service.record_hearing(
        session, people["corporatie"][1], decision, "in_writing", "Haar brief van 3 november."
    )
    service.open_voting(session, people["corporatie"][1], decision)
    record = sealing.canonical_record(session, decision)
    assert record["tenant_heard"]["how"] == "in_writing"
    assert "brief" not in str(record)  # the note only as the digest of its ciphertext
    assert decision.status == "voting"
    assert decision.deadline_at == decision.voting_opened_at + timedelta(days=10)


def test_only_the_owner_confirms_with_a_motivation(session, people, family_case):
    decision = open_eviction(session, people, family_case)
    with pytest.raises(Forbidden):  # a voter, but not the owner
        service.confirm_step(session, people["crisisteam"][1], decision, "contact_attempts", WHY)
    with pytest.raises(NotFound):  # not involved at all
        service.confirm_step(session, people["welzijn"][1], decision, "contact_attempts", WHY)
    with pytest.raises(DomainError, match="motivering"):
        service.confirm_step(session, people["corporatie"][1], decision, "contact_attempts", "")
    with pytest.raises(NotFound):  # not a step of this decision
        service.confirm_step(session, people["corporatie"][1], decision, "prayer", MOTIVATION)


def test_a_trajectory_decision_needs_its_terms_and_the_covenant_minimum(
    session, people, single_case
):
    decision = open_eviction(session, people, single_case, "last_chance")
    confirm_all(session, people, decision)
    assert service.open_items(session, decision) == ["trajectory"]
    with pytest.raises(DomainError):
        service.open_voting(session, people["corporatie"][1], decision)
    with pytest.raises(DomainError, match="24 maanden"):  # at least two years
        service.prepare_trajectory(
            session, people["corporatie"][1], decision, kind="last_chance", months=18,
            conditions="Huur op tijd betalen.", support_agreement="Budgetcoach elke week.",
        )  # fmt: skip
    with pytest.raises(DomainError):  # not a trajectory this decision can prepare
        service.prepare_trajectory(
            session, people["corporatie"][1], decision, kind="second_chance", months=24,
            conditions="Huur op tijd betalen.", support_agreement="Budgetcoach elke week.",
        )  # fmt: skip
    service.prepare_trajectory(
        session, people["corporatie"][1], decision, kind="last_chance", months=24,
        conditions="Huur op tijd betalen.", support_agreement="Budgetcoach elke week.",
    )  # fmt: skip
    service.open_voting(session, people["corporatie"][1], decision)
    assert decision.status == "voting"


# --- voting -----------------------------------------------------------------------------------


def test_a_non_voter_organisation_cannot_vote(session, people, family_case):
    decision = ready_to_vote(session, people, family_case)
    for org in ("welzijn", "schuldhulp"):
        with pytest.raises(NotFound):
            vote(session, people, decision, org, "agree")
    assert session.scalar(select(DecisionVote.id)) is None


def test_a_vote_after_the_deadline_is_refused(session, people, family_case):
    decision = ready_to_vote(session, people, family_case)
    late = decision.deadline_at + timedelta(seconds=1)
    with pytest.raises(DomainError, match="verstreken"):
        vote(session, people, decision, "crisisteam", "agree", now=late)
    assert decision.voter_for(people["crisisteam"][0].organisation_id).position is None


def test_a_vote_can_be_changed_and_its_history_is_kept(session, people, family_case):
    decision = ready_to_vote(session, people, family_case)
    first = vote(session, people, decision, "crisisteam", "agree")
    second = vote(session, people, decision, "crisisteam", "disagree")
    voter = decision.voter_for(people["crisisteam"][0].organisation_id)
    assert voter.position == "disagree" and decision.status == "voting"
    history = [v.position for v in decision.votes if v.voter_id == voter.id]
    assert history == ["agree", "disagree"] and first.id < second.id
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("decision.vote%"))
        .order_by(AuditEvent.id)  # without an order PostgreSQL may answer in any order
    ).all()
    assert actions == ["decision.vote_cast", "decision.vote_changed"]


def test_a_stale_vote_form_of_a_colleague_is_refused(session, people, family_case, make_user):
    decision = ready_to_vote(session, people, family_case)
    voter = decision.voter_for(people["crisisteam"][0].organisation_id)
    seen = voter.version
    vote(session, people, decision, "crisisteam", "agree")
    with pytest.raises(Conflict):
        service.cast_vote(
            session, people["crisisteam"][1], decision, position="disagree",
            motivation=WHY, voter_version=seen,
        )  # fmt: skip


def test_conflict_of_interest_only_with_abstention(session, people, family_case):
    decision = ready_to_vote(session, people, family_case)
    with pytest.raises(DomainError):
        vote(session, people, decision, "crisisteam", "agree", conflict=True)


# --- outcome, seal and effects ---------------------------------------------------------------


def test_scenario_c_eviction_refused_and_last_chance_sealed(session, people, family_case, app):
    """The corporation abstains, crisis team and care vote against: the trajectory starts."""
    decision = ready_to_vote(session, people, family_case)
    vote(session, people, decision, "corporatie", "abstain")
    vote(session, people, decision, "crisisteam", "disagree")
    assert decision.status == "voting"
    vote(session, people, decision, "zorg", "disagree")  # the last vote closes at once
    assert decision.status == "decided" and decision.outcome == "refused"
    assert decision.outcome_reasons == ["veto", "not_unanimous"]
    assert decision.assignment is None
    trajectory = decision.trajectory
    assert trajectory.status == "active" and trajectory.months == 24
    assert trajectory.ends_on == service.add_months(trajectory.starts_on, 24)
    deadline = session.scalar(
        select(DecisionTimelineEntry).where(DecisionTimelineEntry.kind == "agreement_deadline")
    )
    assert deadline.happens_on == trajectory.ends_on
    # The seal: stored record, hash, and the audit event that carries it.
    assert len(decision.seal_hash) == 64
    assert sealing.verify_seal(session, decision).intact
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.sealed"))
    assert event.detail_dict["hash"] == decision.seal_hash
    assert event.id == decision.seal_audit_event_id
    record = json.loads(decision.sealed_record)
    assert record["case"] == family_case.reference and record["kind"] == "eviction"
    assert record["grounds"] == ["arrears", "nuisance"]
    assert record["court"] == {"status": "judgment", "judgment_date": "2026-10-01"}
    assert [s["step"] for s in record["prevention"]] == list(
        service.covenant_for(session, decision).required_prevention_steps("eviction")
    )
    assert record["rule"]["rule"] == "unanimity" and record["rule"]["veto_roles"] == ["crisis_team"]
    assert {v["organisation"]: v["position"] for v in record["voters"]} == {
        "corporatie": "abstain", "crisisteam": "disagree", "zorg": "disagree",
    }  # fmt: skip
    # No plaintext in the record: motivations appear as hashes of their ciphertexts.
    assert WHY not in decision.sealed_record and MOTIVATION not in decision.sealed_record
    assert all(len(v["votes"][0]["motivation"]) == 64 for v in record["voters"])
    # The corporation records the new conditional tenancy agreement.
    service.record_tenancy_agreement(
        session, people["corporatie"][1], decision, signed_on=local_today(),
        note="Voorwaardelijke huurovereenkomst getekend.",
    )  # fmt: skip
    assert sealing.verify_seal(session, decision).intact


def test_an_approved_eviction_gives_the_assignment_and_tells_the_crisis_team(
    session, people, single_case, app
):
    decision = ready_to_vote(session, people, single_case)
    vote(session, people, decision, "corporatie", "agree")
    vote(session, people, decision, "crisisteam", "agree")
    assert decision.outcome == "approved" and decision.outcome_reasons == ["unanimous"]
    assignment = session.scalar(select(Assignment).where(Assignment.decision_id == decision.id))
    assert assignment.status == "issued"
    assert assignment.organisation_id == people["corporatie"][0].organisation_id
    assert decision.trajectory.status == "not_adopted"
    crisis_mail = [
        message
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.like("%Ontruiming besloten%"))
        )
        if recipient(session, message) == people["crisisteam"][0].email
    ]
    assert len(crisis_mail) == 1
    body = body_of(session, crisis_mail[0])
    assert single_case.reference in body and f"/besluiten/{decision.id}" in body
    for message in session.scalars(select(OutboxMessage)):
        # no personal data in e-mail
        assert "Alleen" not in body_of(session, message) + message.subject


def test_missing_votes_at_the_deadline_refuse_through_the_cli(session, people, single_case, app):
    decision = ready_to_vote(session, people, single_case, with_alternative=False)
    vote(session, people, decision, "corporatie", "agree")
    assert service.close_due(session, now=decision.deadline_at - timedelta(minutes=1)) == []
    closed = service.close_due(session, now=decision.deadline_at)
    assert closed == [decision.id]
    assert decision.outcome == "refused"
    assert decision.outcome_reasons == ["not_unanimous", "missing_votes"]
    assert decision.tally["missing"] == 1
    assert service.close_due(session, now=decision.deadline_at + timedelta(days=1)) == []
    sealed = session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.sealed")).all()
    assert len(sealed) == 1  # computed exactly once


def test_the_cli_closes_due_votes(app, session, people, single_case):
    decision = ready_to_vote(session, people, single_case, with_alternative=False)
    decision.deadline_at = utcnow() - timedelta(minutes=1)
    session.flush()
    result = app.test_cli_runner().invoke(args=["decisions", "close"])
    assert result.exit_code == 0 and "closed: 1" in result.output
    assert decision.status == "decided"
    verified = app.test_cli_runner().invoke(args=["decisions", "verify"])
    assert verified.exit_code == 0 and "broken seals: 0" in verified.output


def test_sealing_makes_the_record_immutable(session, people, single_case):
    decision = ready_to_vote(session, people, single_case)
    vote(session, people, decision, "corporatie", "agree")
    vote(session, people, decision, "crisisteam", "disagree")
    assert decision.is_sealed
    # Every service path refuses ...
    with pytest.raises(Conflict):
        vote(session, people, decision, "crisisteam", "agree")
    with pytest.raises(Conflict):
        service.confirm_step(
            session, people["corporatie"][1], decision, "contact_attempts", MOTIVATION
        )
    with pytest.raises(Conflict):
        service.withdraw(session, people["corporatie"][1], decision, "Toch niet nodig meer.")
    # ... and so does the database layer, whatever path a change takes.
    attempts = [
        lambda: setattr(decision, "grounds", ["fraud"]),
        lambda: setattr(decision, "court_status", "none"),
        lambda: setattr(decision.voters[0], "position", "abstain"),
        lambda: setattr(decision.votes[0], "position", "disagree"),
        lambda: setattr(decision.votes[0], "motivation", "Herschreven motivering achteraf."),
        lambda: setattr(decision.confirmations[0], "motivation", "Achteraf aangepast."),
        lambda: setattr(decision.trajectory, "months", 36),
        lambda: session.delete(decision.votes[0]),
        lambda: decision.votes.append(
            DecisionVote(voter=decision.voters[0], organisation_id=1, position="agree")
        ),
    ]
    for attempt in attempts:
        nested = session.begin_nested()
        attempt()
        with pytest.raises(SealedRecord):
            session.flush()
        nested.rollback()
    assert sealing.verify_seal(session, decision).intact
    # A change made behind the ORM's back is caught by the verification.
    session.execute(
        text("UPDATE decision SET court_status = 'none' WHERE id = :id"), {"id": decision.id}
    )
    session.expire(decision)
    assert not sealing.verify_seal(session, decision).intact


def test_only_an_outvoted_partner_adds_a_dissent_outside_the_seal(session, people, single_case):
    decision = ready_to_vote(session, people, single_case)
    vote(session, people, decision, "corporatie", "agree")
    with pytest.raises(Conflict):  # not before the outcome
        service.add_dissent(session, people["corporatie"][1], decision, "Wij blijven bij ons.")
    vote(session, people, decision, "crisisteam", "disagree")
    seal = decision.seal_hash
    with pytest.raises(DomainError):  # the crisis team won: nothing to dissent from
        service.add_dissent(session, people["crisisteam"][1], decision, "Wij zijn het eens.")
    with pytest.raises(NotFound):
        service.add_dissent(session, people["welzijn"][1], decision, "Wij waren er niet bij.")
    service.add_dissent(
        session, people["corporatie"][1], decision, "De overlast voor de buren weegt zwaarder."
    )
    assert len(decision.dissents) == 1 and decision.seal_hash == seal
    assert sealing.verify_seal(session, decision).intact


def test_the_owner_withdraws_an_open_decision(session, people, single_case):
    decision = open_eviction(session, people, single_case)
    with pytest.raises(Forbidden):
        service.withdraw(session, people["crisisteam"][1], decision, "Niet aan ons om dit te doen.")
    service.withdraw(session, people["corporatie"][1], decision, "De achterstand is betaald.")
    assert decision.status == "withdrawn"
    open_eviction(session, people, single_case)  # a new one may be opened


# --- the prevention record -------------------------------------------------------------------


def _help_ended(session, people, case):
    """A debt-help referral: accepted, help started, then ended without result."""
    referral = referrals.send(
        session, people["corporatie"][1], case, purpose="debt_help",
        recipient_org_id=people["schuldhulp"][0].organisation_id, note=None,
    )  # fmt: skip
    coach = people["schuldhulp"][1]
    referrals.accept(session, coach, referral, version=None)
    referrals.report(session, coach, referral, "help_started", version=None)
    referrals.report(session, coach, referral, "help_ended", outcome="no_result", version=None)
    return referral


def test_the_prevention_record_is_assembled_from_the_case(session, people, family_case, app):
    referral = _help_ended(session, people, family_case)
    decision = open_eviction(session, people, family_case)
    covenant = service.covenant_for(session, decision)
    evidence = prevention.collect(session, family_case, covenant, decision)
    (item,) = evidence["referrals"]
    assert item.facts["referral"] == referral.id
    assert item.facts["status"] == "completed" and item.facts["outcome"] == "no_result"
    assert item.facts["help_started_on"] is not None
    assert {e.what for e in evidence["crisis_involvement"]} == {"crisis_voter"}
    household = {e.what: e for e in evidence["household"]}
    assert household["minors"].facts == {"minors": 2, "members": 3}
    assert "care_voter" in household  # care must vote because of the minors
    # The snapshot stored with a confirmation holds facts, never names.
    confirmation = service.confirm_step(
        session, people["corporatie"][1], decision, "debt_help_offered", MOTIVATION
    )
    assert [e["what"] for e in confirmation.evidence] == ["referral"]
    assert "Demir" not in json.dumps(confirmation.evidence)
    with app.test_request_context():
        text_ = prevention.describe(item, covenant)
    assert "Schuldhulpverlening" in text_ and "Zonder resultaat" in text_


def test_care_involvement_is_hidden_where_the_covenant_says_so(session, people, family_case):
    decision = open_eviction(session, people, family_case)
    covenant = service.covenant_for(session, decision)
    care = prevention.Evidence("household", "care_referral", {}, "care", 99)
    owner = decision.organisation_id
    assert prevention.visible(care, covenant, owner, owner)
    assert prevention.visible(care, covenant, 99, owner)
    assert not prevention.visible(care, covenant, people["crisisteam"][0].organisation_id, owner)
    coach = prevention.Evidence("referrals", "referral", {}, "debt_coach", 98)
    assert prevention.visible(coach, covenant, people["crisisteam"][0].organisation_id, owner)


def test_groundwork_providers_plug_in(session, people, family_case):
    """The documented seam: a provider for a reserved kind joins the list."""
    seen = []

    def attempts(session_, case, covenant, decision):
        seen.append(case.id)
        return [prevention.Evidence("contact_attempts", "contact_attempts", {"attempts": 3})]

    original = list(prevention.PROVIDERS)
    try:
        prevention.register_provider(
            prevention.Provider("contact_attempts", "contact_history", attempts)
        )
        decision = open_eviction(session, people, family_case)
        confirmation = service.confirm_step(
            session, people["corporatie"][1], decision, "contact_attempts", MOTIVATION
        )
        assert confirmation.evidence[0]["what"] == "contact_attempts" and seen
        with pytest.raises(ValueError, match="unknown evidence kind"):
            prevention.register_provider(prevention.Provider("rumours", "identity", attempts))
    finally:
        prevention.PROVIDERS[:] = original


# --- the policy point ------------------------------------------------------------------------


def test_voters_without_a_referral_see_what_the_covenant_gives_their_role(
    session, people, family_case
):
    """Care has no referral; as a required voter it gets the eviction_decision package."""
    care = people["zorg"][1]
    assert decide(session, care, family_case, ["identity"])["identity"].allowed is False
    decision = open_eviction(session, people, family_case)
    decisions = decide(session, care, family_case, ["identity", "household", "finances"])
    assert decisions["identity"].allowed and decisions["identity"].basis == "statutory:wmo_task"
    assert decisions["household"].allowed
    assert not decisions["finances"].allowed  # not in care's package
    shown = reveal(session, care, family_case, {decision: ["motivation"]})
    assert shown.get(decision, "motivation").startswith("Achterstand loopt op")
    # An organisation that does not vote sees nothing.
    welfare = decide(session, people["welzijn"][1], family_case, ["identity"])
    assert not welfare["identity"].allowed
    # After a withdrawal the grant ends.
    service.withdraw(session, people["corporatie"][1], decision, "De achterstand is betaald.")
    assert not decide(session, care, family_case, ["identity"])["identity"].allowed
