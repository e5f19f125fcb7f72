"""What each party may do with a decision now: one rule for the page's buttons and the service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handover.decisions import policy, service
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from tests.decisions.conftest import open_eviction, ready_to_vote

WHY = "Alles geprobeerd, de huurder reageert niet meer."


def allowed(people, decision, org, **kwargs):
    return policy.allowed_actions(people[org][1], decision, **kwargs)


def test_while_preparing_the_owner_prepares_and_voters_only_use_the_timeline(
    session, people, family_case
):
    decision = open_eviction(session, people, family_case)
    assert allowed(people, decision, "corporatie") == {
        policy.PREPARE, policy.WITHDRAW, policy.TIMELINE,
    }  # fmt: skip
    assert allowed(people, decision, "zorg") == {policy.TIMELINE}
    assert allowed(people, decision, "welzijn") == frozenset()  # not a voter: nothing
    # The service refuses as the rule says: a voter may not prepare, an outsider finds nothing.
    assert isinstance(policy.refusal(people["zorg"][1], decision, policy.PREPARE), Forbidden)
    assert isinstance(policy.refusal(people["welzijn"][1], decision, policy.VOTE), NotFound)
    with pytest.raises(Forbidden):
        service.withdraw(session, people["zorg"][1], decision, WHY)


def test_voters_may_vote_until_the_deadline(session, people, family_case):
    decision = ready_to_vote(session, people, family_case)
    for org in ("corporatie", "crisisteam", "zorg"):
        assert policy.VOTE in allowed(people, decision, org), org
    assert policy.PREPARE not in allowed(people, decision, "corporatie")
    assert policy.VOTE not in allowed(people, decision, "welzijn")
    late = decision.deadline_at + timedelta(seconds=1)
    assert policy.VOTE not in allowed(people, decision, "zorg", now=late)
    refusal = policy.refusal(people["zorg"][1], decision, policy.VOTE, now=late)
    assert type(refusal) is DomainError and "verstreken" in str(refusal.message)
    with pytest.raises(DomainError, match="verstreken"):
        service.cast_vote(
            session, people["zorg"][1], decision, position="agree", motivation=WHY, now=late
        )


def test_after_the_outcome_only_the_outvoted_dissent_and_the_owner_records_the_tenancy(
    session, people, family_case
):
    decision = ready_to_vote(session, people, family_case)
    for org, position in (("corporatie", "agree"), ("crisisteam", "disagree"), ("zorg", "agree")):
        service.cast_vote(session, people[org][1], decision, position=position, motivation=WHY)
    assert decision.status == "decided" and decision.outcome == "refused"
    assert allowed(people, decision, "corporatie") == {
        policy.DISSENT, policy.TIMELINE, policy.TENANCY,
    }  # fmt: skip
    assert allowed(people, decision, "zorg") == {policy.DISSENT, policy.TIMELINE}
    assert allowed(people, decision, "crisisteam") == {policy.TIMELINE}  # it won: no dissent
    with pytest.raises(DomainError, match="overstemd"):
        service.add_dissent(session, people["crisisteam"][1], decision, WHY)


def test_a_withdrawn_decision_offers_nothing(session, people, family_case):
    decision = open_eviction(session, people, family_case)
    service.withdraw(session, people["corporatie"][1], decision, WHY)
    for org in ("corporatie", "crisisteam", "zorg", "welzijn"):
        assert allowed(people, decision, org) == frozenset(), org
    with pytest.raises(Conflict):
        service.withdraw(session, people["corporatie"][1], decision, WHY)
