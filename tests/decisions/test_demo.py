"""The demo holds a Scenario C decision ready for the partners to vote, loaded once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handover.decisions import sealing, service
from handover.decisions.models import Decision
from handover.decisions.policy import load_decision
from portal.accounts.models import User
from portal.actor import staff_actor
from portal.demo import load_demo, load_demo_decision
from portal.errors import NotFound


def _actor(session, email):
    return staff_actor(session.scalar(select(User).where(User.email == email)))


def test_demo_decision_is_ready_to_vote_and_loaded_once(session, make_org):
    load_demo(session)
    load_demo(session)
    assert load_demo_decision(session) is None  # idempotent
    # Scenario C's decision waits for the votes (the demo's other decisions are decided).
    voting = select(Decision).where(Decision.status == "voting")
    assert session.scalar(select(func.count()).select_from(voting.subquery())) == 1
    decision = session.scalar(voting)
    assert decision.status == "voting" and decision.kind == "eviction"
    assert service.open_items(session, decision) == []
    assert {v.organisation.slug for v in decision.voters} == {"corporatie", "crisisteam", "zorg"}
    assert decision.trajectory.kind == "last_chance" and decision.trajectory.months == 24
    assert decision.minors_present and decision.court_status == "judgment"

    # Scenario C to the end, as the demo accounts would do it on the pages.
    for email, position in (
        ("sanne@corporatie.example", "abstain"),
        ("marieke@crisisteam.example", "disagree"),
        ("daan@zorg.example", "disagree"),
    ):
        service.cast_vote(
            session, _actor(session, email), decision, position=position,
            motivation="Besproken in het casusoverleg van vandaag.",
        )  # fmt: skip
    assert decision.outcome == "refused" and decision.trajectory.status == "active"
    assert sealing.verify_seal(session, decision).intact
    # Partners outside the decision cannot tell it exists.
    with pytest.raises(NotFound):
        load_decision(session, _actor(session, "fatima@welzijn.example"), decision.id)
