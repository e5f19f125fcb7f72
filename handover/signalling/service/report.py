"""Reporting cases to the municipality: one referral per case, with the statutory purpose.

A report goes through ``handover.service.send_many`` like any referral (grants, audit, the
notice and deadlines stay one story), to the organisation playing the first rung of the
purpose's ladder, marked as a crisis signal or a warm handover as the caseworker chose.

* **Only what may go.** Each case's steps are derived again at the moment of reporting (the
  readiness row may be a few minutes old): an objection or a missing step holds it back.
* **The repeat rule.** A case reported before whose amount has not risen since the last
  report sent is recorded as a repeat and not sent again; a risen amount is sent. The amount
  reported is stored encrypted with the report.
* **Once.** ``signal_report`` is unique per case and month. The report row is written first
  (in a savepoint); whoever fails to write it (a double click, a second caseworker, a second
  app worker) sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.models import ACTIVE, Referral
from handover.signalling.models import SignalReport
from handover.signalling.service.readiness import refresh
from handover.signalling.service.steps import Steps, derive, facts_for, signalling_rules
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.covenant.rules import Signalling
from portal.db import utcnow
from portal.errors import DomainError, Forbidden
from portal.workdays import local_date

BATCH = 200

#: Why a chosen case was not sent (shown in words by ``labels.SKIP_LABELS``).
SKIP_REASONS = ("objected", "missing", "already", "open", "closed", "unknown")


@dataclass
class ReportResult:
    sent: list[int] = field(default_factory=list)
    repeats: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return len(self.sent) + len(self.repeats) + len(self.skipped)


def period_of(moment: datetime) -> str:
    return local_date(moment).strftime("%Y-%m")


def _insert_report(session: Session, report: SignalReport) -> bool:
    """Write one month's report row; False when another one got there first."""
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        return False
    return True


def _insert_reports(
    session: Session,
    wanted: list[tuple[Case, Steps]],
    report_for: Callable[[Case, Steps], SignalReport],
) -> dict[int, SignalReport]:
    """Write the batch's report rows in one savepoint; if another writer got to one of them
    first, write them one by one (fresh rows) and keep the ones that went in."""
    if not wanted:
        return {}
    reports = {case.id: report_for(case, steps) for case, steps in wanted}
    try:
        with session.begin_nested():
            session.add_all(reports.values())
            session.flush()
    except IntegrityError:
        single = {case.id: report_for(case, steps) for case, steps in wanted}
        return {i: r for i, r in single.items() if _insert_report(session, r)}
    return reports


def report_cases(
    session: Session,
    actor: Actor,
    case_ids: Iterable[int],
    *,
    crisis: bool = False,
    warm_handover: bool = False,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReportResult:
    """Report these cases of the actor's organisation to the municipality (see the module)."""
    if actor.kind != "staff" or not (actor.roles & CASEWORK_ROLES) or not actor.organisation_id:
        raise Forbidden()
    if not isinstance(crisis, bool) or not isinstance(warm_handover, bool):
        raise DomainError(_l("Kies ja of nee."))
    rules = signalling_rules(session)
    now = now or utcnow()
    period = period_of(now)
    ids = sorted({int(i) for i in case_ids})
    result = ReportResult()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        cases = {
            c.id: c
            for c in session.scalars(
                select(Case).where(
                    Case.id.in_(chunk), Case.organisation_id == actor.organisation_id
                )
            )
        }
        for case_id in chunk:
            if case_id not in cases:
                result.skipped[case_id] = "unknown"
        _report_batch(
            session, actor, list(cases.values()), rules, period, now, crisis, warm_handover,
            result,
        )  # fmt: skip
        refresh(session, list(cases), today=local_date(now))
        if progress is not None:
            progress(result.done)
    return result


def _report_batch(
    session: Session,
    actor: Actor,
    cases: list[Case],
    rules: Signalling,
    period: str,
    now: datetime,
    crisis: bool,
    warm_handover: bool,
    result: ReportResult,
) -> None:
    ids = [c.id for c in cases]
    done_this_month = set(
        session.scalars(
            select(SignalReport.case_id).where(
                SignalReport.case_id.in_(ids), SignalReport.period == period
            )
        )
    )
    open_referral = set(
        session.scalars(
            select(Referral.case_id).where(
                Referral.case_id.in_(ids),
                Referral.purpose == rules.purpose,
                Referral.status.in_(ACTIVE),
            )
        )
    )
    facts = facts_for(session, actor, cases, action="signalling.report_check")
    wanted: list[tuple[Case, Steps]] = []
    for case in sorted(cases, key=lambda c: c.id):
        if not case.is_active:
            result.skipped[case.id] = "closed"
            continue
        if case.id in done_this_month:
            result.skipped[case.id] = "already"
            continue
        steps = derive(facts[case.id], rules, local_date(now))
        if steps.objected:
            result.skipped[case.id] = "objected"
            continue
        if steps.missing:
            result.skipped[case.id] = "missing"
            continue
        if not steps.repeat and case.id in open_referral:
            # The municipality still has the previous signal open: nothing new to send.
            result.skipped[case.id] = "open"
            continue
        wanted.append((case, steps))

    def report_for(case: Case, steps: Steps) -> SignalReport:
        report = SignalReport(
            case=case,
            case_id=case.id,
            organisation_id=case.organisation_id,
            period=period,
            outcome="repeat" if steps.repeat else "sent",
            reported_by_id=actor.user_id,
            reported_at=now,
        )
        report.amount_cents = steps.arrears_cents
        return report

    written = _insert_reports(session, wanted, report_for)
    to_send = [case for case, steps in wanted if case.id in written and not steps.repeat]
    sent = {}
    if to_send:
        proposal = referrals.propose(session, to_send[0], rules.purpose)
        if not proposal.recipients:
            raise DomainError(_l("Geen organisatie ontvangt vroegsignalen."))
        sent = {
            referral.case_id: referral
            for referral in referrals.send_many(
                session,
                actor,
                to_send,
                purpose=rules.purpose,
                recipient_org_id=proposal.recipients[0].id,
                crisis=crisis,
                warm_handover=warm_handover,
                now=now,
            )
        }
    for case, steps in wanted:
        report = written.get(case.id)
        if report is None:
            result.skipped[case.id] = "already"
            continue
        if steps.repeat:
            result.repeats.append(case.id)
        else:
            report.referral_id = sent[case.id].id
            result.sent.append(case.id)
        record(
            session,
            actor,
            "signalling.report",
            case_id=case.id,
            detail={
                "report": report.id,
                "period": period,
                "outcome": report.outcome,
                "referral": report.referral_id,
            },
        )
    session.flush()
