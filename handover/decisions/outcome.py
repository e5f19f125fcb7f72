"""How the votes count: the outcome of a joint decision, from the covenant's rule.

Pure functions, no database: the rule table in ``tests/decisions/test_outcome.py`` pins them.

Every required organisation has one current position: ``agree``, ``disagree``, ``abstain``
(optionally marked as a conflict of interest), or none (missing).

* **Conflict of interest.** An abstention marked as a conflict of interest is a *recusal*: the
  organisation is left out of the count (it stays in the record). A plain abstention is not.
* **Veto.** A ``disagree`` by an organisation voting for a veto role refuses, whatever the rule.
* **Unanimity.** Approved only if every required organisation that did not recuse voted
  ``agree``. A plain abstention and a missing vote count as *not agreeing*, so they refuse.
  If every organisation recused, nobody agreed: refused.
* **Majority.** Quorum: more than half of the required organisations cast a vote (any
  position, a recusal included). Without quorum: refused. With quorum: approved if more
  organisations agree than disagree; abstentions, recusals and missing votes count for
  neither side. A tie refuses.
* **Missing votes at the deadline** are never counted as agreeing: under unanimity they refuse,
  under majority they only count against the quorum.

The outcome is computed once, when the vote closes: at the deadline, or as soon as every
required organisation has voted (from then on the result can no longer change, because votes
can be changed only while the vote is open).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

RULES = ("unanimity", "majority")
#: Reason codes, in the order they are reported.
REASONS = (
    "veto",
    "unanimous",
    "not_unanimous",
    "missing_votes",
    "all_recused",
    "majority",
    "no_majority",
    "tie",
    "no_quorum",
)


@dataclass(frozen=True)
class Ballot:
    """One required organisation's current position (None: missing)."""

    position: str | None
    veto: bool = False
    conflict_of_interest: bool = False

    @property
    def recused(self) -> bool:
        return self.position == "abstain" and self.conflict_of_interest


@dataclass(frozen=True)
class Outcome:
    result: str  # "approved" | "refused"
    reasons: tuple[str, ...]
    tally: dict[str, int] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.result == "approved"


def tally(ballots: Sequence[Ballot]) -> dict[str, int]:
    return {
        "required": len(ballots),
        "agree": sum(b.position == "agree" for b in ballots),
        "disagree": sum(b.position == "disagree" for b in ballots),
        "abstain": sum(b.position == "abstain" and not b.recused for b in ballots),
        "recused": sum(b.recused for b in ballots),
        "missing": sum(b.position is None for b in ballots),
    }


def compute(rule: str, ballots: Sequence[Ballot]) -> Outcome:
    """The outcome of a closed vote under ``rule``, with the reasons that decided it."""
    if rule not in RULES:
        raise ValueError(f"unknown decision rule {rule!r}")
    count = tally(ballots)
    reasons: list[str] = []
    if any(b.veto and b.position == "disagree" for b in ballots):
        reasons.append("veto")
    counted = [b for b in ballots if not b.recused]
    if rule == "unanimity":
        if not counted:
            reasons.append("all_recused")
        elif all(b.position == "agree" for b in counted):
            reasons.append("unanimous")
        else:
            reasons.append("not_unanimous")
            if count["missing"]:
                reasons.append("missing_votes")
        approved = "unanimous" in reasons and "veto" not in reasons
    else:
        cast = len(ballots) - count["missing"]
        if cast * 2 <= len(ballots):
            reasons.append("no_quorum")
        elif count["agree"] > count["disagree"]:
            reasons.append("majority")
        elif count["agree"] == count["disagree"]:
            reasons.append("tie")
        else:
            reasons.append("no_majority")
        approved = "majority" in reasons and "veto" not in reasons
    return Outcome("approved" if approved else "refused", tuple(reasons), count)
