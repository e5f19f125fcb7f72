"""The parts of "Mijn gegevens" built from more than one row: her household, her finances,
her consents, the referrals and decisions about her case, and who used her data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import policy as consent_policy
from consent import receipt
from handover.decisions.models import Decision
from handover.models import Referral
from handover.my_data.facts import (
    ConsentFact,
    DecisionFact,
    FinancesFact,
    Member,
    ReferralFact,
    UseFact,
    WithdrawalFact,
)
from handover.my_data.words import (
    CONSENT_STATUS,
    DECISION_OUTCOME,
    DECISION_STATUS,
    REFERRAL_STATUS,
    day,
)
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.transparency import MAX_PAGE_SIZE, accesses_for_person
from portal.cases.labels import DEBT_SUPPORT_LABELS, INCOME_SOURCE_LABELS, RELATION_LABELS
from portal.cases.models import Case, Finances, Person
from portal.cases.service import minor_from
from portal.covenant.rules import Covenant
from portal.i18n import code_in_words
from portal.sharing import Revealed, plain
from portal.workdays import local_date

#: Pages of the access log read for "who used your data" (of ``MAX_PAGE_SIZE`` each): a
#: bound on the work of one download; the "who looked" page pages on beyond it.
MAX_ACCESS_PAGES = 25


def org_names(
    session: Session, covenant: Covenant, ids: Iterable[int], lang: str
) -> dict[int, str]:
    """Organisation names in her language: the covenant's name of a partner, else its own."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    names = {}
    for org in session.scalars(select(Organisation).where(Organisation.id.in_(wanted))):
        partner = covenant.partners.get(org.slug)
        names[org.id] = partner.name.get(lang) if partner is not None else org.name
    return names


def rows_of(session: Session, model: Any, case: Case) -> list[Any]:
    return list(session.scalars(select(model).where(model.case_id == case.id).order_by(model.id)))


def member(shown: Revealed, person: Person) -> Member:
    relation = (
        _("Hoofdhuurder")
        if person.is_main_tenant
        else code_in_words(RELATION_LABELS, plain(shown.get(person, "relation")))
    )
    return Member(
        initials=plain(shown.get(person, "initials")),
        surname=plain(shown.get(person, "surname")),
        relation=relation,
        minor=minor_from(plain(shown.get(person, "birth_date")), plain(shown.get(person, "minor"))),
    )


def finances_fact(
    shown: Revealed, finances: Finances | None, names: dict[int, str]
) -> FinancesFact | None:
    if finances is None:
        return None

    def v(name: str) -> Any:
        return plain(shown.get(finances, name))

    return FinancesFact(
        income_source=code_in_words(INCOME_SOURCE_LABELS, v("income_source")),
        income_cents=v("income_cents"),
        debts_cents=v("debts_cents"),
        debt_support=code_in_words(DEBT_SUPPORT_LABELS, v("debt_support")),
        recorded_by=names.get(finances.organisation_id, ""),
    )


def consents(session: Session, records: list[Any], lang: str) -> tuple[ConsentFact, ...]:
    if not records:
        return ()
    states = consent_policy.states(session, records)
    return tuple(
        ConsentFact(
            recipient=line.recipient,
            purpose=line.purpose,
            categories=tuple(line.categories),
            still_given=tuple(line.active),
            status=code_in_words(CONSENT_STATUS, line.state.status),
            given_on=local_date(line.record.given_at),
            valid_until=local_date(line.record.valid_until),
            withdrawals=tuple(
                WithdrawalFact(name, local_date(at)) for name, at in line.withdrawals
            ),
        )
        for line in receipt.lines(session, records, states, lang)
    )


def purpose_name(covenant: Covenant, code: str, lang: str) -> str:
    purpose = covenant.purposes.get(code)
    return purpose.name.get(lang) if purpose is not None else _("Onbekend")


def referral_fact(
    referral: Referral, names: dict[int, str], covenant: Covenant, lang: str
) -> ReferralFact:
    """Organisations, purpose, status and dates; never the note or a decline's reason."""
    answered = referral.accepted_at
    if answered is None and referral.status in ("declined", "returned"):
        answered = referral.closed_at
    return ReferralFact(
        sender=names.get(referral.sender_org_id, ""),
        recipient=names.get(referral.recipient_org_id, ""),
        purpose=purpose_name(covenant, referral.purpose, lang),
        status=code_in_words(REFERRAL_STATUS, referral.status),
        sent_on=day(referral.sent_at),
        answered_on=day(answered),
        closed_on=day(referral.closed_at),
    )


def decision_fact(decision: Decision, covenant: Covenant, lang: str) -> DecisionFact:
    """Kind, status, outcome and dates; never a motivation or a dissent."""
    kind = covenant.decisions.get(decision.kind)
    return DecisionFact(
        kind=kind.name.get(lang) if kind is not None else _("Onbekend"),
        purpose=purpose_name(covenant, decision.purpose, lang),
        status=code_in_words(DECISION_STATUS, decision.status),
        outcome=code_in_words(DECISION_OUTCOME, decision.outcome) if decision.outcome else None,
        opened_on=local_date(decision.created_at),
        voting_opened_on=day(decision.voting_opened_at),
        decided_on=day(decision.closed_at),
    )


def _access_pages(session: Session, actor: Actor, person_id: int, lang: str) -> Iterator[Any]:
    after = None
    for _page in range(MAX_ACCESS_PAGES):
        page = accesses_for_person(
            session, actor, person_id, after_seq=after, limit=MAX_PAGE_SIZE, lang=lang
        )
        yield page
        if page.next_after_seq is None:
            return
        after = page.next_after_seq


def uses(session: Session, actor: Actor, person_id: int, lang: str) -> dict[str, Any]:
    """Who used her data, per organisation: how often, first and last day, what and why."""
    groups: dict[str, list[Any]] = {}
    complete = True
    for page in _access_pages(session, actor, person_id, lang):
        for access in page.accesses:
            groups.setdefault(access.organisation, []).append(access)
        complete = page.next_after_seq is None
    uses = [
        UseFact(
            organisation=organisation,
            role=rows[0].role,
            times=len(rows),
            first_on=min(local_date(a.when) for a in rows),
            last_on=max(local_date(a.when) for a in rows),
            categories=tuple(dict.fromkeys(c for a in rows for c in a.categories)),
            why=tuple(dict.fromkeys(w for a in rows for w in a.why)),
        )
        for organisation, rows in groups.items()
    ]
    uses.sort(key=lambda u: u.last_on, reverse=True)
    return {"uses": tuple(uses), "uses_complete": complete}
