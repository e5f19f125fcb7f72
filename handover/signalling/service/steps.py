"""The legal steps before an early signal, derived from what the portal holds.

The Wgs (Besluit gemeentelijke schuldhulpverlening, art. 2) lets a landlord pass the tenant's
contact details and arrears to the municipality once it has (a) tried to make personal
contact, (b) pointed the tenant to debt help, (c) sent at least one written reminder and
(d) offered in that reminder to pass the data on, and the tenant did not object. The
covenant adds its threshold: a minimum amount and a minimum number of days overdue.

Nothing here is a checkbox. The steps come from the groundwork:

* (a) a contact attempt by phone, WhatsApp, e-mail or house visit, reached or not (a letter
  is not personal contact);
* (b) a letter of any kind that pointed the tenant to debt help (``Letter.points_to_help``): the
  pointer is recorded on the letter that carried it, so it can be shown to anyone who asks;
* (c) a payment reminder or a summons (aanmaning);
* (d) such a reminder or summons that offered to pass the data on (``Letter.data_offer``);
* the threshold from ``Case.arrears_cents`` and ``Case.arrears_since``;
* an active objection in the register (``Objection``) holds everything back.

``derive`` is the pure rule (table-driven tests call it directly); ``legal_steps`` reads a
case's facts through the policy point (one audit event) and derives; ``facts_for`` does the
same for a batch of cases in one audit event (a report); the readiness rows derive them in
``readiness.py`` without showing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.signalling.models import Objection, SignalReport
from portal.actor import Actor
from portal.cases.models import Case, ContactAttempt, Letter
from portal.covenant.rules import Signalling, active_covenant
from portal.crypto.fields import preload_keys
from portal.errors import DomainError, NotFound
from portal.sharing import reveal_list
from portal.workdays import local_today

#: The steps in the order the checklist shows them; each has a bit in the readiness mask.
STEPS = ("contact", "points_to_help", "reminder", "offer", "amount", "days")
STEP_BITS = {step: 1 << n for n, step in enumerate(STEPS)}
#: Contact attempts that count as personal contact (a letter does not).
PERSONAL_CHANNELS = frozenset({"phone", "whatsapp", "email", "house_visit"})
#: Letters that count as a written reminder.
REMINDER_KINDS = frozenset({"reminder", "summons"})


@dataclass(frozen=True)
class AttemptFact:
    on: date | None
    channel: str | None


@dataclass(frozen=True)
class LetterFact:
    on: date | None
    kind: str | None
    points_to_help: bool = False
    data_offer: bool = False


@dataclass(frozen=True)
class Facts:
    """What the steps are derived from (decrypted values, no rows)."""

    attempts: tuple[AttemptFact, ...] = ()
    letters: tuple[LetterFact, ...] = ()
    arrears_cents: int | None = None
    arrears_since: date | None = None
    #: When the active objection was recorded (None: no objection, or it was withdrawn).
    objected_at: datetime | None = None
    #: The amount of the last report actually sent (None: never sent).
    reported_cents: int | None = None


@dataclass(frozen=True)
class Steps:
    """Which steps are met and since when; what is missing; whether the case may go."""

    contact_on: date | None
    points_to_help_on: date | None
    reminder_on: date | None
    offer_on: date | None
    arrears_cents: int | None
    arrears_since: date | None
    days_overdue: int | None
    min_amount_cents: int
    min_days_overdue: int
    objected_at: datetime | None
    reported_cents: int | None

    @property
    def met(self) -> dict[str, bool]:
        return {
            "contact": self.contact_on is not None,
            "points_to_help": self.points_to_help_on is not None,
            "reminder": self.reminder_on is not None,
            "offer": self.offer_on is not None,
            "amount": self.arrears_cents is not None
            and self.arrears_cents >= max(self.min_amount_cents, 1),
            "days": self.days_overdue is not None and self.days_overdue >= self.min_days_overdue,
        }

    @property
    def missing(self) -> tuple[str, ...]:
        met = self.met
        return tuple(step for step in STEPS if not met[step])

    @property
    def mask(self) -> int:
        return sum(STEP_BITS[step] for step in self.missing)

    @property
    def objected(self) -> bool:
        return self.objected_at is not None

    @property
    def repeat(self) -> bool:
        """Reported before and the amount has not risen since: a repeat, not sent again."""
        return self.reported_cents is not None and (
            self.arrears_cents is None or self.arrears_cents <= self.reported_cents
        )

    @property
    def state(self) -> str:
        if self.objected:
            return "objected"
        if self.missing:
            return "missing"
        if self.repeat:
            return "reported"
        return "ready"

    @property
    def ready(self) -> bool:
        return self.state == "ready"


def _first(days: Sequence[date | None]) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def derive(facts: Facts, rules: Signalling, today: date) -> Steps:
    """The steps from the facts and the covenant's threshold (pure)."""
    reminders = [letter for letter in facts.letters if letter.kind in REMINDER_KINDS]
    since = facts.arrears_since
    return Steps(
        contact_on=_first([a.on for a in facts.attempts if a.channel in PERSONAL_CHANNELS]),
        points_to_help_on=_first([letter.on for letter in facts.letters if letter.points_to_help]),
        reminder_on=_first([letter.on for letter in reminders]),
        offer_on=_first([letter.on for letter in reminders if letter.data_offer]),
        arrears_cents=facts.arrears_cents,
        arrears_since=since,
        days_overdue=(today - since).days if since is not None else None,
        min_amount_cents=rules.min_amount_cents,
        min_days_overdue=rules.min_days_overdue,
        objected_at=facts.objected_at,
        reported_cents=facts.reported_cents,
    )


# --- reading the facts ------------------------------------------------------------------------


def _value(values: Any, obj: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    value = values.get(obj, name)
    if kind is int and isinstance(value, bool):
        return None
    return value if isinstance(value, kind) else None


@dataclass
class Loaded:
    """The rows the facts of some cases are read from (loaded with a query per table)."""

    attempts: dict[int, list[ContactAttempt]]
    letters: dict[int, list[Letter]]
    objected: dict[int, datetime]
    sent: dict[int, SignalReport]

    def fields(self, case: Case) -> dict[Any, list[str]]:
        """The encrypted fields the steps of ``case`` need, for ``reveal``."""
        found: dict[Any, list[str]] = {case: ["arrears_cents", "arrears_since"]}
        for attempt in self.attempts[case.id]:
            found[attempt] = ["attempted_on", "channel"]
        for letter in self.letters[case.id]:
            found[letter] = ["sent_on", "kind", "points_to_help", "data_offer"]
        if case.id in self.sent:
            found[self.sent[case.id]] = ["amount_cents"]
        return found

    def facts(self, case: Case, values: Any) -> Facts:
        """The facts of ``case`` from its revealed ``values`` (a withheld value is unknown)."""
        report = self.sent.get(case.id)
        return Facts(
            attempts=tuple(
                AttemptFact(
                    _value(values, a, "attempted_on", date), _value(values, a, "channel", str)
                )
                for a in self.attempts[case.id]
            ),
            letters=tuple(
                LetterFact(
                    _value(values, letter, "sent_on", date),
                    _value(values, letter, "kind", str),
                    _value(values, letter, "points_to_help", bool) is True,
                    _value(values, letter, "data_offer", bool) is True,
                )
                for letter in self.letters[case.id]
            ),
            arrears_cents=_value(values, case, "arrears_cents", int),
            arrears_since=_value(values, case, "arrears_since", date),
            objected_at=self.objected.get(case.id),
            reported_cents=(
                _value(values, report, "amount_cents", int) if report is not None else None
            ),
        )


def load(session: Session, cases: Sequence[Case]) -> Loaded:
    ids = [case.id for case in cases]
    attempts: dict[int, list[ContactAttempt]] = {i: [] for i in ids}
    for attempt in session.scalars(
        select(ContactAttempt).where(ContactAttempt.case_id.in_(ids)).order_by(ContactAttempt.id)
    ):
        attempts[attempt.case_id].append(attempt)
    letters: dict[int, list[Letter]] = {i: [] for i in ids}
    for letter in session.scalars(
        select(Letter).where(Letter.case_id.in_(ids)).order_by(Letter.id)
    ):
        letters[letter.case_id].append(letter)
    objected = dict(
        session.execute(
            select(Objection.case_id, Objection.recorded_at).where(
                Objection.case_id.in_(ids), Objection.withdrawn_at.is_(None)
            )
        )
        .tuples()
        .all()
    )
    sent: dict[int, SignalReport] = {}
    for report in session.scalars(
        select(SignalReport)
        .where(SignalReport.case_id.in_(ids), SignalReport.outcome == "sent")
        .order_by(SignalReport.id)
    ):
        sent[report.case_id] = report  # the latest one sent wins
    preload_keys(session, cases, "arrears_cents", "arrears_since")
    return Loaded(attempts, letters, objected, sent)


def facts_for(
    session: Session, actor: Actor, cases: Sequence[Case], *, action: str
) -> dict[int, Facts]:
    """The facts of many cases, read through the policy point as one audit event."""
    if not cases:
        return {}
    loaded = load(session, cases)
    shown = reveal_list(session, actor, [(c, loaded.fields(c)) for c in cases], action=action)
    return {case.id: loaded.facts(case, values) for case, values in zip(cases, shown, strict=True)}


def may_report_for(actor: Actor, case: Case) -> bool:
    """Only the organisation that owns the case (the landlord) takes these steps."""
    return actor.kind == "system" or (
        actor.kind == "staff" and actor.organisation_id == case.organisation_id
    )


def signalling_rules(session: Session) -> Signalling:
    """The covenant's ``[signalling]`` section; without one nobody may be reported."""
    rules = active_covenant(session).signalling
    if rules is None:
        raise DomainError(_l("Het convenant regelt geen vroegsignalering."))
    return rules


def legal_steps(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    today: date | None = None,
    rules: Signalling | None = None,
) -> Steps:
    """The case's legal steps for the page, the CLI and tests (one audit event)."""
    if not may_report_for(actor, case):
        raise NotFound()
    rules = rules or signalling_rules(session)
    facts = facts_for(session, actor, [case], action="signalling.steps")[case.id]
    return derive(facts, rules, today or local_today())
