"""Early signalling's domain operations, one module per subject; callers write
``service.op(...)``."""

from handover.signalling.service.jobs import (
    INLINE_MAX,
    load_job,
    run_job,
    start_job,
    submit_job,
)
from handover.signalling.service.listing import (
    ListPage,
    ListRow,
    missing_steps,
    ready_case_ids,
    ready_page,
)
from handover.signalling.service.objections import (
    active_objection,
    objections_of,
    record_objection,
    withdraw_objection,
)
from handover.signalling.service.readiness import on_case_changed, refresh, refresh_all
from handover.signalling.service.report import ReportResult, period_of, report_cases
from handover.signalling.service.steps import (
    PERSONAL_CHANNELS,
    REMINDER_KINDS,
    STEP_BITS,
    STEPS,
    AttemptFact,
    Facts,
    LetterFact,
    Steps,
    derive,
    facts_for,
    legal_steps,
    may_report_for,
    signalling_rules,
)

__all__ = [
    "INLINE_MAX",
    "PERSONAL_CHANNELS",
    "REMINDER_KINDS",
    "STEPS",
    "STEP_BITS",
    "AttemptFact",
    "Facts",
    "LetterFact",
    "ListPage",
    "ListRow",
    "ReportResult",
    "Steps",
    "active_objection",
    "derive",
    "facts_for",
    "legal_steps",
    "load_job",
    "may_report_for",
    "missing_steps",
    "objections_of",
    "on_case_changed",
    "period_of",
    "ready_case_ids",
    "ready_page",
    "record_objection",
    "refresh",
    "refresh_all",
    "report_cases",
    "run_job",
    "signalling_rules",
    "start_job",
    "submit_job",
    "withdraw_objection",
]
