"""The referrals API: a partner's system reads the referrals addressed to its organisation
(the package only; what the policy withholds is named, with why) and answers them as its
caseworkers do on the referral page, through the same service functions.

Every read goes through the policy point (``reveal``) and writes its audit event under the
client's name; every change carries the version the system last read, so a stale one is
refused with 409 like a stale form.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import Blueprint
from pydantic import AfterValidator, BaseModel, Field
from spectree import Response as Answers
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from handover import service
from handover.earlysignal.models import OUTCOMES as SIGNAL_OUTCOMES
from handover.earlysignal.policy import load_signal
from handover.earlysignal.service import record_outcome
from handover.models import ACTIVE, Referral
from handover.policy import REFERRAL_PERSON_FIELDS, load_referral
from portal.access import client
from portal.api.edge import api_actor, body, idempotent, json_response, query
from portal.api.openapi import spec
from portal.api.schemas import (
    ConsentCategory,
    ConsentOut,
    PersonOut,
    Problem,
    RealDate,
    ReasonIn,
    ReasonText,
    ReferralOut,
    ReferralPage,
    ReferralsQuery,
    ReferralSummary,
    StatusReportIn,
    VersionIn,
    WithheldField,
)
from portal.crypto.fields import Erased
from portal.errors import NotFound
from portal.extensions import db
from portal.sharing import WITHHELD_REASONS, Withheld, decide, reveal

bp = Blueprint("handover_api", __name__, url_prefix="/api/v1")

#: The statuses each list filter shows.
FILTERS = {
    "waiting": ("sent",),
    "active": ACTIVE,
    "closed": None,
    "all": None,
}
READ = {"oauth2": ["referrals:read"]}
WRITE = {"oauth2": ["referrals:write"]}
COMMON = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_422": Problem, "HTTP_429": Problem}


def _summary(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.id,
        "case_reference": referral.case.reference,
        "purpose": referral.purpose,
        "status": referral.status,
        "version": referral.version,
        "crisis": referral.crisis,
        "warm_handover": referral.warm_handover,
        "sent_at": referral.sent_at,
        "response_due_at": referral.response_due_at,
        "sender": referral.sender.name,
        "categories": list(referral.categories),
    }


def _withheld(field: str, marker: Withheld) -> WithheldField:
    return WithheldField(
        field=field,
        category=marker.category,
        reason=marker.reason,
        reason_text=str(WITHHELD_REASONS.get(marker.reason, marker.reason)),
    )


def _received(referral_id: int) -> Referral:
    """A referral addressed to the client's organisation (any other: 404, as if missing; the
    error handler answers it as a problem)."""
    actor = api_actor()
    referral = load_referral(
        db.session,
        actor,
        referral_id,
        joinedload(Referral.case),
        joinedload(Referral.sender),
    )
    if referral.recipient_org_id != actor.organisation_id:
        raise NotFound()
    return referral


@bp.get("/referrals")
@client("referrals:read")
@spec.validate(
    query=ReferralsQuery,
    resp=Answers(HTTP_200=ReferralPage, **COMMON),
    tags=["referrals"],
    security=READ,
)
def list_referrals():
    """The referrals addressed to your organisation, newest first, a page at a time."""
    wanted = query(ReferralsQuery)
    actor = api_actor()
    statement = (
        select(Referral)
        .where(Referral.recipient_org_id == actor.organisation_id)
        .options(selectinload(Referral.case), selectinload(Referral.sender))
        .order_by(Referral.id.desc())
        .limit(wanted.limit + 1)
    )
    statuses = FILTERS[wanted.status]
    if statuses is not None:
        statement = statement.where(Referral.status.in_(statuses))
    elif wanted.status == "closed":
        statement = statement.where(Referral.status.not_in(ACTIVE))
    # A cursor beyond the id range (ten digits may be) means: from the newest, as none does.
    if wanted.cursor is not None and int(wanted.cursor) <= 2**31 - 1:
        statement = statement.where(Referral.id < int(wanted.cursor))
    rows = db.session.scalars(statement).all()
    page = rows[: wanted.limit]
    next_cursor = str(page[-1].id) if len(rows) > wanted.limit and page else None
    answer = ReferralPage(
        items=[ReferralSummary(**_summary(r)) for r in page], next_cursor=next_cursor
    )
    return json_response(answer.model_dump(mode="json"))


@bp.get("/referrals/<int:referral_id>")
@client("referrals:read")
@spec.validate(
    resp=Answers(HTTP_200=ReferralOut, HTTP_404=Problem, **COMMON),
    tags=["referrals"],
    security=READ,
)
def get_referral(referral_id: int):
    """One referral addressed to your organisation, with its package as the policy allows it
    now; each withheld field is named with its category and why."""
    referral = _received(referral_id)
    actor = api_actor()
    case = referral.case
    persons = list(case.persons)
    fields: dict[Any, tuple[str, ...]] = dict.fromkeys(persons, REFERRAL_PERSON_FIELDS)
    fields[case] = ("arrears_cents",)
    shown = reveal(db.session, actor, case, fields, purpose=referral.purpose, action="api.referral")
    people = []
    for person in persons:
        values: dict[str, Any] = {"main_tenant": bool(person.is_main_tenant), "withheld": []}
        for name in REFERRAL_PERSON_FIELDS:
            value = shown.get(person, name)
            if isinstance(value, Withheld):
                values["withheld"].append(_withheld(name, value))
            elif not isinstance(value, Erased):
                values[name] = value
        people.append(PersonOut(**values))
    arrears = shown.get(case, "arrears_cents")
    decisions = decide(db.session, actor, case, referral.categories) if referral.active else {}
    withheld = [
        WithheldField(
            field="*",
            category=category,
            reason=decisions[category].reason or "not_shared",
            reason_text=str(WITHHELD_REASONS.get(decisions[category].reason or "not_shared", "")),
        )
        for category in referral.categories
        if category in decisions and not decisions[category].allowed
    ]
    answer = ReferralOut(
        **_summary(referral),
        persons=people,
        arrears_cents=arrears if isinstance(arrears, int) else None,
        withheld=withheld,
    )
    db.session.commit()  # the read was audited
    return json_response(answer.model_dump(mode="json"))


ACT_ERRORS = {"HTTP_400": Problem, "HTTP_404": Problem, "HTTP_409": Problem}
ACT = {"HTTP_200": ReferralSummary, **ACT_ERRORS}


def _act(referral_id: int, change: Any):
    """One transition through the service, as the referral page's forms do; refused with the
    service's words (409 when someone changed it since the version sent)."""
    referral = change(_received(referral_id))
    db.session.commit()
    return json_response(ReferralSummary(**_summary(referral)).model_dump(mode="json"))


@bp.post("/referrals/<int:referral_id>/accept")
@client("referrals:write")
@idempotent
@spec.validate(json=VersionIn, resp=Answers(**ACT, **COMMON), tags=["referrals"], security=WRITE)
def accept(referral_id: int):
    """Accept a referral: your organisation takes the case on."""
    data = body(VersionIn)
    return _act(
        referral_id,
        lambda r: service.accept(db.session, api_actor(), r, version=data.version),
    )


@bp.post("/referrals/<int:referral_id>/decline")
@client("referrals:write")
@idempotent
@spec.validate(json=ReasonIn, resp=Answers(**ACT, **COMMON), tags=["referrals"], security=WRITE)
def decline(referral_id: int):
    """Decline a referral, with a reason the sender reads."""
    data = body(ReasonIn)
    return _act(
        referral_id,
        lambda r: service.decline(db.session, api_actor(), r, data.reason, version=data.version),
    )


@bp.post("/referrals/<int:referral_id>/return")
@client("referrals:write")
@idempotent
@spec.validate(json=ReasonIn, resp=Answers(**ACT, **COMMON), tags=["referrals"], security=WRITE)
def return_referral(referral_id: int):
    """Give an accepted referral back to its sender, with a reason."""
    data = body(ReasonIn)
    return _act(
        referral_id,
        lambda r: service.return_to_sender(
            db.session, api_actor(), r, data.reason, version=data.version
        ),
    )


@bp.post("/referrals/<int:referral_id>/report")
@client("referrals:write")
@idempotent
@spec.validate(
    json=StatusReportIn, resp=Answers(**ACT, **COMMON), tags=["referrals"], security=WRITE
)
def report(referral_id: int):
    """Report on an accepted referral: first contact, help started, or help ended with its
    outcome."""
    data = body(StatusReportIn)
    return _act(
        referral_id,
        lambda r: service.report(
            db.session, api_actor(), r, data.report, outcome=data.outcome, version=data.version
        ),
    )


@bp.get("/referrals/<int:referral_id>/consent")
@client("consent:read")
@spec.validate(
    resp=Answers(HTTP_200=ConsentOut, HTTP_404=Problem, **COMMON),
    tags=["consent"],
    security={"oauth2": ["consent:read"]},
)
def referral_consent(referral_id: int):
    """The consent status of each category of a referral's package, as the covenant and the
    tenant allow it now: statutory, or consent valid, missing, withdrawn or expired. No
    personal data."""
    referral = _received(referral_id)
    proposal = service.propose(
        db.session,
        referral.case,
        referral.purpose,
        rung=referral.rung,
        recipient_org_id=referral.recipient_org_id,
    )
    answer = ConsentOut(
        case_reference=referral.case.reference,
        purpose=referral.purpose,
        categories=[
            ConsentCategory.model_validate(
                {
                    "category": item.category,
                    "status": item.consent_status or "missing" if item.consent else "statutory",
                }
            )
            for item in proposal.items
        ],
    )
    return json_response(answer.model_dump(mode="json"))


# --- the municipality's early signals ------------------------------------------------------------


def _known_outcome(value: str) -> str:
    if value not in SIGNAL_OUTCOMES:
        raise ValueError("unknown outcome")
    return value


class SignalOutcomeIn(VersionIn):
    """The outcome of an early signal (the VNG model's Eindresultaat). The reason stays with
    the municipality: the signalling partner never reads it."""

    outcome: Annotated[str, AfterValidator(_known_outcome)] = Field(
        json_schema_extra={"enum": list(SIGNAL_OUTCOMES)}
    )
    reason: ReasonText | None = Field(
        None, description="Required with not_picked_up_other; never shown to the sender."
    )
    outcome_on: RealDate | None = Field(None, description="YYYY-MM-DD; today when left out.")


class EarlySignalOut(BaseModel):
    referral_id: int
    outcome: str | None
    outcome_on: date | None
    picked_up_on: date | None
    closed: bool
    version: int


@bp.post("/early-signals/<int:referral_id>/outcome")
@client("referrals:write")
@idempotent
@spec.validate(
    json=SignalOutcomeIn,
    resp=Answers(HTTP_200=EarlySignalOut, **ACT_ERRORS, **COMMON),
    tags=["early signals"],
    security=WRITE,
)
def early_signal_outcome(referral_id: int):
    """Record the outcome of an early signal your organisation received; it closes the
    signal and its referral. The sender learns only what the VNG model permits."""
    data = body(SignalOutcomeIn)
    actor = api_actor()
    signal = load_signal(db.session, actor, referral_id)
    day = date.fromisoformat(data.outcome_on) if data.outcome_on else None
    signal = record_outcome(
        db.session, actor, signal, data.outcome, data.reason, on=day, version=data.version
    )
    db.session.commit()
    answer = EarlySignalOut(
        referral_id=signal.referral_id,
        outcome=signal.outcome,
        outcome_on=signal.outcome_on,
        picked_up_on=signal.picked_up_on,
        closed=signal.closed,
        version=signal.version,
    )
    return json_response(answer.model_dump(mode="json"))
