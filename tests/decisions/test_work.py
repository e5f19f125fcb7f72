"""A vote to cast is on 'Mijn werk' of every voting partner until it voted."""

from __future__ import annotations

from handover.decisions import service
from tests.decisions.conftest import ready_to_vote


def test_a_vote_waits_on_my_work_until_cast(session, people, family_case, login, client):
    decision = ready_to_vote(session, people, family_case)
    session.commit()
    crisis_user, crisis_actor = people["crisisteam"]
    browser = login(client, crisis_user)
    page = browser.get("/mijn-werk").get_data(as_text=True)
    assert "Stemmen voor uw organisatie" in page
    assert f"/besluiten/{decision.id}#decision-vote" in page and "uiterlijk" in page
    service.cast_vote(
        session, crisis_actor, decision, position="agree", motivation="Alles is geprobeerd."
    )
    session.commit()
    assert "Stemmen voor uw organisatie" not in browser.get("/mijn-werk").get_data(as_text=True)
