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

One module per stage: ``preparing`` (open, confirm, trajectory, open the vote, withdraw),
``voting`` (vote, close, carry out), ``after`` (dissent, timeline, tenancy agreement);
what they share is in ``_common``. Callers use the package as one:
``from handover.decisions import service; service.cast_vote(...)``.
"""

from handover.decisions.service._common import (
    MAX_MONTHS,
    TEXT_MAX,
    TEXT_MIN,
    RequiredVoter,
    add_months,
    covenant_for,
    minors_present,
    required_voters,
)
from handover.decisions.service.after import (
    add_dissent,
    add_timeline_entry,
    record_bailiff_instructed,
    record_tenancy_agreement,
)
from handover.decisions.service.preparing import (
    confirm_step,
    open_decision,
    open_items,
    open_voting,
    prepare_trajectory,
    record_hearing,
    trajectory_kinds,
    withdraw,
)
from handover.decisions.service.voting import (
    ballots,
    cast_vote,
    close,
    close_due,
    on_assignment_issued,
)

__all__ = [
    "MAX_MONTHS",
    "TEXT_MAX",
    "TEXT_MIN",
    "RequiredVoter",
    "add_dissent",
    "add_months",
    "add_timeline_entry",
    "ballots",
    "cast_vote",
    "close",
    "close_due",
    "confirm_step",
    "covenant_for",
    "minors_present",
    "on_assignment_issued",
    "open_decision",
    "open_items",
    "open_voting",
    "prepare_trajectory",
    "record_bailiff_instructed",
    "record_hearing",
    "record_tenancy_agreement",
    "required_voters",
    "trajectory_kinds",
    "withdraw",
]
