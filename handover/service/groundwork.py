"""The receiver checks the groundwork: per item of the package, whether it holds (a dispute
needs a note), so the next partner on the ladder sees what was found."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.models import ARREARS_ITEM, CHECKS, ItemCheck, Referral
from handover.service.common import as_recipient, clean_reason, lock, require_staff
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import GROUNDWORK_MODELS, Case
from portal.db import utcnow
from portal.errors import Conflict, DomainError, NotFound
from portal.sharing import decide

#: Checkable item types and their data category.
ITEM_CATEGORIES = {
    ARREARS_ITEM: Case.__categories__["arrears_cents"],
    **{model.__item_type__: model.__category__ for model in GROUNDWORK_MODELS},
}


_ITEM_MODELS = {model.__item_type__: model for model in GROUNDWORK_MODELS}


def _item_category(session: Session, case: Case, item_type: str, item_id: int) -> str:
    """The category of one item of ``case``; NotFound for anything else (ids are hostile)."""
    if item_type == ARREARS_ITEM:
        if item_id != case.id:
            raise NotFound()
    elif item_type in _ITEM_MODELS:
        item = session.get(_ITEM_MODELS[item_type], item_id)
        if item is None or item.case_id != case.id:
            raise NotFound()
    else:
        raise NotFound()
    return ITEM_CATEGORIES[item_type]


def check_item(
    session: Session,
    actor: Actor,
    referral: Referral,
    item_type: str,
    item_id: int,
    status: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> ItemCheck:
    """The receiver says whether one item of the package holds; a dispute needs a note.

    Only items the receiver can see right now (in the package, and the consent still
    counting) can be checked. Checking again replaces the receiver's verdict on the item.
    """
    as_recipient(actor, referral)
    if status not in CHECKS:
        raise DomainError(_l("Kies of het klopt of niet."))
    cleaned = clean_reason(note, required=status == "disputed")
    now = now or utcnow()
    referral = lock(session, referral, None)
    if referral.status not in ("accepted", "in_progress"):
        raise Conflict(_l("Alleen een geaccepteerde overdracht kunt u controleren."))
    case = referral.case
    category = _item_category(session, case, item_type, item_id)
    if (
        category not in referral.categories
        or not decide(session, actor, case, [category])[category].allowed
    ):
        raise NotFound()
    check = session.scalar(
        select(ItemCheck).where(
            ItemCheck.referral_id == referral.id,
            ItemCheck.item_type == item_type,
            ItemCheck.item_id == item_id,
        )
    )
    if check is None:
        check = ItemCheck(referral=referral, case_id=case.id, item_type=item_type, item_id=item_id)
        session.add(check)
    check.status = status
    check.note = cleaned
    check.organisation_id = require_staff(actor)
    check.user_id = actor.user_id
    check.at = now
    session.flush()
    record(
        session,
        actor,
        "referral.item_check",
        case_id=case.id,
        categories=["identity"] if cleaned else [],
        detail={"referral": referral.id, "item": item_type, "id": item_id, "status": status},
    )
    return check


def item_checks(session: Session, case: Case) -> dict[tuple[str, int], list[ItemCheck]]:
    """Every verdict on the case's items, oldest first, from every referral of the case: what
    earlier partners on the ladder found still counts for the next one."""
    found: dict[tuple[str, int], list[ItemCheck]] = {}
    rows = session.scalars(
        select(ItemCheck).where(ItemCheck.case_id == case.id).order_by(ItemCheck.at, ItemCheck.id)
    )
    for check in rows:
        found.setdefault(check.key, []).append(check)
    return found
