"""What a joint decision grants its voters, stored in ``case_grant`` through its life.

Every required voter organisation gets, per role it votes in, the package the covenant in
force gives that role under the decision's purpose: from opening, through the vote and the
sealed outcome, until a withdrawal. A new covenant version changes the packages at once.
After each step the table holds exactly what the records grant (``grants_agree``).
"""

from __future__ import annotations

from handover.decisions import service
from portal.actor import Actor
from portal.covenant.rules import active_covenant
from portal.covenant.service import activate_version, load_version
from portal.demo import DEMO_COVENANT
from portal.grants import grants_of
from tests.conftest import SYSTEM
from tests.decisions.conftest import MOTIVATION, open_eviction, ready_to_vote
from tests.handover.conftest import refer


def granted(session, people, case, slug) -> dict[str, frozenset[str]]:
    """The organisation's stored decision grants on the case: role -> package."""
    org = people[slug][0].organisation_id
    return {
        g.recipient_role: g.categories
        for g in grants_of(session, case.id, org)
        if g.source.startswith("decision:")
    }


def package(session, role: str) -> frozenset[str]:
    return frozenset(active_covenant(session).sharing_package("eviction_decision", role))


def test_voters_are_granted_from_opening(session, people, family_case, grants_agree):
    decision = open_eviction(session, people, family_case)
    assert decision.status == "preparing"
    voters = {v.organisation.slug for v in decision.voters}
    assert {"zorg", "crisisteam"} <= voters and "welzijn" not in voters
    assert granted(session, people, family_case, "zorg") == {"care": package(session, "care")}
    assert granted(session, people, family_case, "welzijn") == {}
    grants_agree()


def test_voters_keep_their_grant_through_the_vote_and_the_sealed_outcome(
    session, people, family_case, grants_agree
):
    decision = ready_to_vote(session, people, family_case)
    assert decision.status == "voting"
    grants_agree()
    for voter in list(decision.voters):
        service.cast_vote(
            session,
            people[voter.organisation.slug][1],
            decision,
            position="agree",
            motivation=MOTIVATION,
        )
    assert decision.status == "decided"
    assert granted(session, people, family_case, "zorg") == {"care": package(session, "care")}
    grants_agree()


def test_a_withdrawn_decision_grants_nothing(session, people, single_case, grants_agree):
    decision = open_eviction(session, people, single_case)
    assert granted(session, people, single_case, "crisisteam")
    service.withdraw(session, people["corporatie"][1], decision, "De achterstand is betaald.")
    for slug in ("crisisteam", "schuldhulp", "zorg"):
        assert granted(session, people, single_case, slug) == {}
    grants_agree()


def test_a_new_covenant_version_changes_the_voters_packages_not_the_referrals(
    session, people, single_case, grants_agree
):
    """A referral carries its package; a decision's voters get what the covenant in force
    gives their role, so activating a version that narrows it narrows the stored grant."""
    refer(session, people, single_case)
    open_eviction(session, people, single_case)
    before = granted(session, people, single_case, "crisisteam")["crisis_team"]
    assert "contact_history" in before

    text = DEMO_COVENANT.read_text(encoding="utf-8")
    section = "[purposes.eviction_decision.sharing.crisis_team]\n"
    head, tail = text.split(section, 1)
    tail = tail.replace('contact_history = "wmo_task"\n', "", 1)
    version = load_version(session, SYSTEM, (head + section + tail).encode()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="test")
    activate_version(session, admin, version, "Contact history stays with the owner.")

    after = granted(session, people, single_case, "crisisteam")["crisis_team"]
    assert after == before - {"contact_history"} == package(session, "crisis_team")
    referral_grants = [
        g
        for g in grants_of(session, single_case.id, people["schuldhulp"][0].organisation_id)
        if g.source.startswith("referral:")
    ]
    expected = [["arrears", "contact", "finances", "identity", "tenant_input"]]
    assert [sorted(g.categories) for g in referral_grants] == expected
    grants_agree()
