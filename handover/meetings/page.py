"""One case's discussion as a viewer sees it, through the policy point in one ``reveal``
(one audit event, under the ``case_meeting`` purpose): the tenant's invitation, the minutes,
the agreements and the life map on screen. While a registered guest has not signed the
confidentiality statement, nothing of the case is read at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.meetings import minutes, service
from handover.meetings.models import CATEGORY, PURPOSE, MeetingAgreement, MeetingItem
from portal.actor import Actor
from portal.cases.chart import Slice, life_map_svg
from portal.cases.labels import LIFE_DOMAIN_LABELS, LIFE_STATUS_LABELS
from portal.cases.models import LIFE_DOMAINS, LifeMapEntry
from portal.sharing import Revealed, Withheld, reveal
from portal.tasks.models import CaseTask


@dataclass
class ItemView:
    item: MeetingItem
    is_host: bool
    blocked: bool
    shown: Revealed | None
    to_invite: list[service.Invitable] = field(default_factory=list)
    tasks: dict[int, CaseTask] = field(default_factory=dict)
    life_map: Markup | None = None
    life_rows: list[tuple[str, Any]] = field(default_factory=list)

    def v(self, row: Any, name: str) -> Any:
        return self.shown.get(row, name) if self.shown is not None else None

    def allowed(self, category: str) -> bool:
        return self.shown is not None and self.shown.allowed(category)

    @property
    def topic(self) -> str | None:
        value = self.v(self.item, "topic")
        return value if isinstance(value, str) else None

    @property
    def minutes(self) -> str | None:
        value = self.v(self.item, "minutes")
        return value if isinstance(value, str) else None


def item_view(session: Session, actor: Actor, item: MeetingItem) -> ItemView:
    host = service.is_host(actor, item.meeting)
    view = ItemView(item, host, minutes.blocked(item.meeting), None)
    if host and item.closed_at is None:
        invited = {i.organisation_id for i in item.invitees}
        view.to_invite = [
            i for i in service.invitable(session, item) if i.organisation.id not in invited
        ]
    agreements: list[MeetingAgreement] = list(item.agreements)
    view.tasks = {
        t.id: t
        for t in session.scalars(
            select(CaseTask).where(CaseTask.source.in_([a.source for a in agreements]))
        )
    } if agreements else {}  # fmt: skip
    if view.blocked:
        return view
    entries = {
        e.domain: e
        for e in session.scalars(select(LifeMapEntry).where(LifeMapEntry.case_id == item.case_id))
    }
    fields: list[tuple[Any, list[str]]] = [(item, ["topic", "tenant_answer", "minutes"])]
    fields += [(a, ["text"]) for a in agreements]
    fields += [(e, ["status"]) for e in entries.values()]
    view.shown = reveal(
        session, actor, item.case, fields, action="meeting.view", purpose=PURPOSE,
        also_shown=("life_map",) if not entries else (),
    )  # fmt: skip
    if view.shown.allowed("life_map"):
        view.life_rows = [(d, view.shown.get(entries[d], "status") if d in entries else None)
                          for d in LIFE_DOMAINS]  # fmt: skip
        view.life_map = _chart(view.life_rows)
    assert CATEGORY  # the minutes' category, decided with the rest
    return view


def _chart(rows: list[tuple[str, Any]]) -> Markup:
    slices, described = [], []
    for domain, status in rows:
        code = status if isinstance(status, str) and not isinstance(status, Withheld) else None
        status_text = str(LIFE_STATUS_LABELS[code]) if code else _("niet ingevuld")
        name = str(LIFE_DOMAIN_LABELS[domain])
        slices.append(Slice(name, code, status_text))
        described.append(f"{name}: {status_text}")
    return life_map_svg(
        slices,
        title=_("Levenskaart: hoe het gaat per levensgebied"),
        description=". ".join(described) + ".",
        chart_id="overleg-levenskaart",
    )
