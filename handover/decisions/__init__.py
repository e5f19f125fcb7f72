"""Joint decisions: the chain partners decide together, on the record.

An eviction (or an alternative such as a last-chance trajectory) is decided by the partners the
covenant names, on a case whose prevention record is assembled from what the portal holds and
confirmed by the owning corporation, with every position and motivation recorded, and an
outcome computed from the covenant's rules and sealed with a SHA-256 hash linked into the
audit log. See docs/decisions.md.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug decisions into the grants table; register the pages and ``flask decisions``."""
    from handover.decisions import groundwork, policy, prevention, work
    from handover.decisions.cli import decisions_cli
    from handover.decisions.labels import ACTION_LABELS
    from handover.decisions.views import bp
    from handover.decisions.work import votes_to_cast
    from portal.audit.describe import register_action_labels
    from portal.cases.summary import register_case_events, register_case_summary
    from portal.grants import GrantSource, register_grant_source
    from portal.work import register_work_source

    # The voters' packages come from the covenant in force, not from the decision.
    register_grant_source(GrantSource("decision", policy.expected_grants, follows_covenant=True))
    for provider in groundwork.PROVIDERS:  # the prevention record reads the groundwork
        prevention.register_provider(provider)
    register_action_labels(ACTION_LABELS)
    register_work_source("votes", votes_to_cast)
    register_case_summary("decisions", work.case_summary)
    register_case_events("decisions", work.case_events)
    app.register_blueprint(bp)
    app.cli.add_command(decisions_cli)
