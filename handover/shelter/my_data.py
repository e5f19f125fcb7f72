"""The shelter hand-over in the tenant's "Mijn gegevens" (GDPR art. 15): that the shelter
point was asked to help because the partners decided on eviction, the eviction date, and what
must be done before it, in plain words, with the day each thing was done.

Never who at the partner ticked an item: staff are named nowhere in her overview, only their
organisation. Where she can stay is the shelter point's own note, in the covenant's
``shelter`` category: she reads it only when the policy point reveals that category to her
(the page's one ``reveal``). What the point noted about the school and care (whom they spoke
to) is a working note, like the others, and not shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.shelter.models import SHELTER, ShelterHandover, ShelterItem
from handover.shelter.service import lapsed, planned_eviction
from portal.cases.models import Case
from portal.crypto.fields import Erased
from portal.i18n import code_in_words
from portal.sharing import Revealed, Withheld
from portal.workdays import local_date

#: The item whose note says where she can stay (and from when).
STAY_ITEM = "shelter_arranged"
#: The shelter point's own record: the case's owner does not hold it.
KEPT_BY_THE_POINT = (SHELTER,)
#: The checklist as she reads it (B1): what must be done before the eviction.
ITEM_WORDS = {
    "shelter_arranged": _l("Een plek regelen waar u kunt wonen (opvang)"),
    "school_informed": _l("De school van uw kinderen op de hoogte brengen"),
    "care_informed": _l("De hulpverleners van uw kinderen op de hoogte brengen"),
}


@dataclass(frozen=True)
class ShelterItemFact:
    what: str
    done: bool
    done_on: date | None


@dataclass(frozen=True)
class ShelterFact:
    """One hand-over to the shelter point."""

    shelter_point: str
    started_on: date
    #: The eviction date on the decision's timeline, if known.
    eviction_on: date | None
    items: tuple[ShelterItemFact, ...]
    #: Where she can stay: the shelter point's note, when the policy point reveals it to her.
    stay: str | None
    #: The point said no (or the referral ended otherwise): the corporation must ask again, so
    #: she is not led to count on that point.
    lapsed: bool = False


@dataclass(frozen=True)
class ShelterFacts:
    handovers: tuple[ShelterFact, ...]
    notice: str


def rows(session: Session, case: Case) -> list[ShelterHandover]:
    return list(
        session.scalars(
            select(ShelterHandover)
            .where(ShelterHandover.case_id == case.id)
            .order_by(ShelterHandover.id)
        )
    )


def _stay_items(handovers: list[ShelterHandover]) -> list[ShelterItem]:
    return [i for h in handovers for i in h.items if i.item == STAY_ITEM and i.note is not None]


def fields(handovers: list[ShelterHandover]) -> list[tuple[Any, tuple[str, ...]]]:
    """What of the rows she may see (for the page's one ``reveal``): the note on where she
    can stay, and no other note."""
    return [(item, ("note",)) for item in _stay_items(handovers)]


def org_ids(handovers: list[ShelterHandover]) -> set[int]:
    return {h.organisation_id for h in handovers}


def done_items(handovers: list[ShelterHandover]) -> list[ShelterItem]:
    """The items the shelter point did: where her data came from."""
    return [i for h in handovers for i in h.items if i.done_at is not None]


def _stay(shown: Revealed, handover: ShelterHandover) -> str | None:
    item = next((i for i in _stay_items([handover])), None)
    if item is None:
        return None
    value = shown.get(item, "note")
    return None if isinstance(value, (Withheld, Erased)) else value


def facts(
    session: Session, shown: Revealed, handovers: list[ShelterHandover], names: dict[int, str]
) -> ShelterFacts | None:
    if not handovers:
        return None
    return ShelterFacts(
        handovers=tuple(
            ShelterFact(
                shelter_point=names.get(h.organisation_id) or _("Onbekend"),
                started_on=local_date(h.created_at),
                eviction_on=planned_eviction(session, h.case_id) or h.eviction_on,
                items=tuple(
                    ShelterItemFact(
                        code_in_words(ITEM_WORDS, i.item),
                        i.done_at is not None,
                        local_date(i.done_at) if i.done_at is not None else None,
                    )
                    for i in h.items
                ),
                stay=_stay(shown, h),
                lapsed=lapsed(session, h),
            )
            for h in handovers
        ),
        notice=_(
            "De organisaties besloten samen dat u uit uw huis moet (ontruiming). Daarom is het "
            "meldpunt opvang gevraagd om u te helpen. Zo komt u niet op straat te staan. Hier "
            "ziet u wat er vóór de dag van de ontruiming geregeld moet worden, en wat al klaar "
            "is."
        ),
    )
