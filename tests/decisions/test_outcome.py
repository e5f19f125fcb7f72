"""The rule table: how votes count under unanimity and majority, with veto and recusal."""

from __future__ import annotations

import pytest

from handover.decisions import service
from handover.decisions.outcome import Ballot, compute
from tests.decisions.conftest import open_eviction

A, D, X, M = "agree", "disagree", "abstain", None  # X: plain abstention, M: missing


def ballots(*positions, veto=(), conflict=()):
    return [
        Ballot(p, veto=i in veto, conflict_of_interest=i in conflict)
        for i, p in enumerate(positions)
    ]


# (id, rule, ballots, result, reasons)
TABLE = [
    # unanimity
    ("all-agree", "unanimity", ballots(A, A, A), "approved", ("unanimous",)),
    ("one-disagrees", "unanimity", ballots(A, A, D), "refused", ("not_unanimous",)),
    ("abstention-is-not-agreeing", "unanimity", ballots(A, A, X), "refused", ("not_unanimous",)),
    (
        "missing-at-deadline",
        "unanimity",
        ballots(A, A, M),
        "refused",
        ("not_unanimous", "missing_votes"),
    ),
    ("recusal-leaves-the-count", "unanimity", ballots(A, A, X, conflict=(2,)), "approved",
     ("unanimous",)),
    ("recusal-rest-disagree", "unanimity", ballots(D, A, X, conflict=(2,)), "refused",
     ("not_unanimous",)),
    ("everyone-recused", "unanimity", ballots(X, X, conflict=(0, 1)), "refused",
     ("all_recused",)),
    ("veto-refuses", "unanimity", ballots(A, D, veto=(1,)), "refused",
     ("veto", "not_unanimous")),
    ("veto-role-agrees", "unanimity", ballots(A, A, veto=(1,)), "approved", ("unanimous",)),
    # Scenario C: the corporation abstains, crisis team (veto) and care vote against.
    ("scenario-c", "unanimity", ballots(X, D, D, veto=(1,)), "refused",
     ("veto", "not_unanimous")),
    # majority
    ("majority-for", "majority", ballots(A, A, D), "approved", ("majority",)),
    ("majority-against", "majority", ballots(A, D, D), "refused", ("no_majority",)),
    ("tie-refuses", "majority", ballots(A, D, X, X), "refused", ("tie",)),
    ("abstentions-count-for-quorum-only", "majority", ballots(A, X, X), "approved",
     ("majority",)),
    ("no-quorum-half-is-not-more", "majority", ballots(A, A, M, M), "refused", ("no_quorum",)),
    ("quorum-just-met", "majority", ballots(A, A, M), "approved", ("majority",)),
    ("missing-not-counted-as-disagree", "majority", ballots(A, A, D, M), "approved",
     ("majority",)),
    ("recusal-counts-for-quorum", "majority", ballots(A, X, M, conflict=(1,)), "approved",
     ("majority",)),
    ("majority-with-veto", "majority", ballots(A, A, A, D, veto=(3,)), "refused",
     ("veto", "majority")),
    ("all-missing", "majority", ballots(M, M, M), "refused", ("no_quorum",)),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "votes", "result", "reasons"), [t[1:] for t in TABLE],
                         ids=[t[0] for t in TABLE])  # fmt: skip
def test_rule_table(rule, votes, result, reasons):
    outcome = compute(rule, votes)
    assert (outcome.result, outcome.reasons) == (result, reasons)


def test_tally_counts_each_kind_once():
    outcome = compute("majority", ballots(A, D, X, X, M, conflict=(3,)))
    assert outcome.tally == {
        "required": 5, "agree": 1, "disagree": 1, "abstain": 1, "recused": 1, "missing": 1,
    }  # fmt: skip


def test_unknown_rule_is_a_bug():
    with pytest.raises(ValueError, match="unknown decision rule"):
        compute("most", ballots(A))


@pytest.mark.parametrize(
    ("kind", "minors", "voters"),
    [
        ("eviction", False, {"corporatie": False, "crisisteam": True}),
        ("eviction", True, {"corporatie": False, "crisisteam": True, "zorg": False}),
        ("last_chance", False, {"corporatie": False, "schuldhulp": False, "welzijn": False}),
        (
            "last_chance",
            True,
            {"corporatie": False, "schuldhulp": False, "welzijn": False, "zorg": False},
        ),
    ],
)
def test_minors_present_make_care_a_required_voter(
    session, people, family_case, single_case, kind, minors, voters
):
    """The covenant's voters (and veto) per kind; minors in the household add care."""
    decision = open_eviction(session, people, family_case if minors else single_case, kind)
    assert decision.minors_present is minors
    assert {v.organisation.slug: v.veto for v in decision.voters} == voters
    assert decision.rule == service.covenant_for(session, decision).decision(kind).rule
