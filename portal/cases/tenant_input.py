"""The tenant's own say on her case, and the contact details she corrects herself.

"Talk with people, not about them": she writes her view of the situation or a question, and
the partners read it where they work on her case (the case page, a referral's intake, a
joint decision) through the policy point, category ``tenant_input``. A question gets one
answer, from the owner or a partner who may read it; she reads the answer on her own page.

A phone number or e-mail address she corrects is only a proposal: the owning organisation
confirms it (then the case changes, blind index included) or rejects it. She sees which.

Whatever a legal representative does for her carries the mandate (``actor.on_behalf_of``),
kept on the row and in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.mandates import mandate_of
from portal.cases.models import (
    CORRECTABLE,
    SAY_KINDS,
    Case,
    CaseGrant,
    ContactCorrection,
    Person,
    TenantSay,
)
from portal.cases.models.tenant import TENANT_INPUT
from portal.cases.service import clean_contact, update_person
from portal.db import changed_rows, utcnow
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.links import external_url
from portal.outbox.notices import notify_casework
from portal.sharing import decide, reveal
from portal.workdays import local_date

SAY_MAX = 2000
ANSWER_MAX = 2000


def own_person(session: Session, actor: Actor, case: Case) -> Person:
    """The tenant's own person record on this case (what she proved to be)."""
    if actor.kind != "tenant" or actor.person_id is None:
        raise Forbidden()
    person = session.get(Person, actor.person_id)
    if person is None or person.case_id != case.id:
        raise NotFound()
    return person


def _text(value: str | None, *, limit: int, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(str(_l("Schrijf eerst iets op.")), field=field)
    if len(text) > limit:
        raise DomainError(
            str(_l("Dit is te lang: hoogstens %(max)d tekens.", max=limit)), field=field
        )
    return text


def readers(session: Session, case: Case) -> list[int]:
    """The organisations that may read her words now: the owner, and every partner whose
    grant on the case includes ``tenant_input`` (they are told a new message came in)."""
    from portal.grants import in_force  # the grants build on this package

    found = {case.organisation_id}
    for org_id, categories in session.execute(
        select(CaseGrant.organisation_id, CaseGrant.categories).where(
            CaseGrant.case_id == case.id, in_force()
        )
    ):
        if TENANT_INPUT in categories.split(","):
            found.add(org_id)
    return sorted(found)


def add_say(session: Session, actor: Actor, case: Case, *, kind: str, text: str) -> TenantSay:
    """Her view or her question, for the partners on her case; they are told (no content)."""
    person = own_person(session, actor, case)
    if kind not in SAY_KINDS:
        raise DomainError(str(_l("Kies wat u wilt doen.")), field="kind")
    say = TenantSay(
        case=case,
        person_id=person.id,
        kind=kind,
        text=_text(text, limit=SAY_MAX, field="text"),
        mandate_id=mandate_of(actor),
        created_at=utcnow(),
    )
    session.add(say)
    session.flush()
    record(
        session,
        actor,
        "tenant.say",
        case_id=case.id,
        categories=[TENANT_INPUT],
        detail={"say": say.id, "kind": kind},
    )
    what = "De huurder stelde een vraag" if kind == "question" else "De huurder gaf een eigen kijk"
    notify_casework(
        session,
        readers(session, case),
        subject=f"{what} ({case.reference})",
        lines=[f"{what}.", "", f"Casus: {case.reference}"],
        link=external_url("cases.show", case_id=case.id, _anchor="huurder"),
        kind="tenant_say",
    )
    return say


def answer_say(
    session: Session, actor: Actor, say: TenantSay, text: str, *, now: datetime | None = None
) -> TenantSay:
    """A partner answers her question, once: the first answer counts (a conditional UPDATE,
    so two caseworkers answering at the same moment give one answer and one refusal)."""
    if actor.kind != "staff" or actor.organisation_id is None:
        raise Forbidden()
    if not decide(session, actor, say.case, [TENANT_INPUT])[TENANT_INPUT].allowed:
        raise NotFound()
    if say.kind != "question":
        raise DomainError(str(_l("Alleen een vraag krijgt een antwoord.")))
    cleaned = _text(text, limit=ANSWER_MAX, field="answer")
    now = now or utcnow()
    claimed = changed_rows(
        session,
        update(TenantSay)
        .where(TenantSay.id == say.id, TenantSay.answered_at.is_(None))
        .values(answered_at=now, answered_by_org_id=actor.organisation_id)
        .execution_options(synchronize_session=False),
    )
    if not claimed:
        raise Conflict(str(_l("Deze vraag is al beantwoord.")))
    session.refresh(say)
    say.answer = cleaned
    session.flush()
    record(
        session,
        actor,
        "tenant.say_answered",
        case_id=say.case_id,
        person_id=say.person_id,
        categories=[TENANT_INPUT],
        detail={"say": say.id},
    )
    return say


@dataclass(frozen=True)
class Said:
    """One of her messages as a page shows it: her words, and the answer to a question
    (``Withheld`` markers where the reader may not see them)."""

    say: TenantSay
    day: date
    text: Any
    answer: Any
    answered_by: str | None
    answered_on: date | None

    @property
    def kind(self) -> str:
        return self.say.kind

    @property
    def by_representative(self) -> bool:
        return self.say.mandate_id is not None


def said(says: list[TenantSay], shown: Any, names: Mapping[int, str]) -> list[Said]:
    """Her messages, newest first, from what the policy point revealed (``Revealed``);
    ``names`` are organisation names by id, for who answered."""
    return [
        Said(
            say=say,
            day=local_date(say.created_at),
            text=shown.get(say, "text"),
            answer=shown.get(say, "answer") if say.answered_at else None,
            answered_by=names.get(say.answered_by_org_id or 0),
            answered_on=local_date(say.answered_at) if say.answered_at else None,
        )
        for say in reversed(says)
    ]


def organisation_names(session: Session, says: list[TenantSay]) -> dict[int, str]:
    """The names of the organisations that answered her questions."""
    ids = {s.answered_by_org_id for s in says if s.answered_by_org_id}
    if not ids:
        return {}
    query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    return dict(session.execute(query).tuples().all())


def says_of(session: Session, case: Case) -> list[TenantSay]:
    """Her messages on the case, oldest first."""
    return list(
        session.scalars(
            select(TenantSay).where(TenantSay.case_id == case.id).order_by(TenantSay.id)
        )
    )


# --- her contact details ---------------------------------------------------------------------


def propose_correction(
    session: Session, actor: Actor, case: Case, *, field: str, value: str
) -> ContactCorrection:
    """Her new number or address, waiting for the owner. A second proposal for the same field
    replaces the one still waiting (she may have mistyped)."""
    person = own_person(session, actor, case)
    if field not in CORRECTABLE:
        raise DomainError(str(_l("Dit gegeven kunt u hier niet wijzigen.")))
    normalised = clean_contact(field, value)
    if normalised is None:
        raise DomainError(str(_l("Vul een nieuw nummer of e-mailadres in.")), field=field)
    waiting = session.scalar(
        select(ContactCorrection).where(
            ContactCorrection.person_id == person.id,
            ContactCorrection.field == field,
            ContactCorrection.status == "pending",
        )
    )
    correction = waiting or ContactCorrection(case=case, person_id=person.id, field=field)
    correction.value = normalised
    correction.mandate_id = mandate_of(actor)
    correction.created_at = utcnow()
    session.add(correction)
    session.flush()
    record(
        session,
        actor,
        "tenant.correction",
        case_id=case.id,
        categories=["contact"],
        detail={"correction": correction.id, "field": field},
    )
    notify_casework(
        session,
        [case.organisation_id],
        subject=f"De huurder geeft een nieuw contactgegeven door ({case.reference})",
        lines=[
            "De huurder geeft een nieuw contactgegeven door. Wilt u het bevestigen?",
            "",
            f"Casus: {case.reference}",
        ],
        link=external_url("cases.show", case_id=case.id, _anchor="huurder"),
        kind="tenant_correction",
    )
    return correction


def propose_corrections(
    session: Session, actor: Actor, case: Case, values: Mapping[str, str | None]
) -> list[ContactCorrection]:
    """Her new number and/or address from one form: each filled field is a proposal."""
    filled = {f: v.strip() for f, v in values.items() if v and v.strip()}
    if not filled:
        raise DomainError(str(_l("Vul een nieuw nummer of e-mailadres in.")), field="phone")
    return [propose_correction(session, actor, case, field=f, value=v) for f, v in filled.items()]


def decide_correction(
    session: Session,
    actor: Actor,
    correction: ContactCorrection,
    *,
    confirm: bool,
    now: datetime | None = None,
) -> ContactCorrection:
    """The owner confirms (the case takes the new value) or rejects her correction; once."""
    case = correction.case
    if actor.kind != "staff" or actor.organisation_id != case.organisation_id:
        raise Forbidden()
    now = now or utcnow()
    status = "confirmed" if confirm else "rejected"
    done = changed_rows(
        session,
        update(ContactCorrection)
        .where(ContactCorrection.id == correction.id, ContactCorrection.status == "pending")
        .values(status=status, decided_at=now, decided_by_id=actor.user_id)
        .execution_options(synchronize_session=False),
    )
    if not done:
        raise Conflict(str(_l("Over deze wijziging is al besloten.")))
    session.refresh(correction)
    if confirm:
        shown = reveal(
            session, actor, case, {correction: ["value"]}, action="tenant.correction_read"
        )
        person = session.get_one(Person, correction.person_id)
        update_person(session, actor, person, **{correction.field: shown.get(correction, "value")})
    record(
        session,
        actor,
        "tenant.correction_decided",
        case_id=case.id,
        person_id=correction.person_id,
        detail={"correction": correction.id, "status": status},
    )
    return correction


def corrections_of(session: Session, case: Case) -> list[ContactCorrection]:
    return list(
        session.scalars(
            select(ContactCorrection)
            .where(ContactCorrection.case_id == case.id)
            .order_by(ContactCorrection.id)
        )
    )
