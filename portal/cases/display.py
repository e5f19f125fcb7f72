"""What a case page shows: everything gathered, decided and revealed in one go.

A page view calls ``portal.sharing.reveal`` exactly once (one audit event) for every
personal field it shows: the household, the case file, the signals and all groundwork.
Templates read the values from the resulting ``CaseView``; a withheld field is a
``Withheld`` marker that prints as "afgeschermd — reason".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property, lru_cache
from typing import Any

import phonenumbers
from flask_babel import format_currency, format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.cases.chart import Slice, life_map_svg
from portal.cases.groundwork import may_change
from portal.cases.labels import LABELS, LIFE_DOMAIN_LABELS, LIFE_STATUS_LABELS
from portal.cases.mandates import mandates_of
from portal.cases.models import (
    LIFE_DOMAINS,
    Agreement,
    Case,
    ContactAttempt,
    ContactCorrection,
    Finances,
    Letter,
    LifeMapEntry,
    Person,
    Signal,
    TenantMandate,
    TenantSay,
)
from portal.cases.service import minor_from
from portal.cases.summary import CaseEvent, case_events
from portal.cases.tenant_input import Said, corrections_of, said, says_of
from portal.crypto.fields import Erased, preload_keys
from portal.sharing import (
    AccessDecision,
    Revealed,
    Withheld,
    decide,
    preload_grants,
    reveal,
    reveal_list,
)
from portal.workdays import local_date

#: Every category a case page can show, for the permission questions it asks.
PAGE_CATEGORIES = (
    "identity",
    "contact",
    "household",
    "arrears",
    "finances",
    "contact_history",
    "life_map",
    "tenant_input",
)


def revealed_minor(revealed: Revealed, person: Person) -> Any:
    """Under 18 or not, from the revealed birth date and flag; their ``Withheld`` marker when
    the viewer may not see the household (the flag is household data, never shown outside)."""
    flagged = revealed.get(person, "minor")
    if isinstance(flagged, Withheld):
        return flagged
    return minor_from(revealed.get(person, "birth_date"), flagged)


def is_minor_member(values: Any) -> bool:
    """Jinja test ``p is minor`` on a member's revealed values (a dict): false when the
    household is withheld, so the word "minderjarig" says nothing the viewer may not know."""
    return minor_from(values.get("birth_date"), values.get("minor"))


def is_withheld(value: Any) -> bool:
    return isinstance(value, Withheld)


def shown(value: Any, empty: str = "—") -> str:
    """A value as text: withheld and erased say so, nothing is a dash."""
    if value is None or value == "":
        return empty
    if isinstance(value, (Withheld, Erased)):
        return str(value)
    if type(value) is date:
        return _day_in_words(str(get_locale()), value)
    if isinstance(value, date):
        return format_date(value, format="long")
    return str(value)


# Words that depend only on the language are made once per language: a list shows the same
# few codes and dates on every row, and each translation or date format asks Flask-Babel for
# the request's locale and catalogue again. The language is the cache's key (asked on every
# call, so ``force_locale`` holds); catalogues do not change while the app runs.


@lru_cache(maxsize=4096)
def _day_in_words(language: str, day: date) -> str:
    return format_date(day, format="long")


@cache
def _label_in_words(language: str, kind: str, code: str) -> str:
    return str(LABELS[kind][code])


def money(value: Any) -> str:
    """Whole cents as euros in the user's language (withheld and empty as ``shown``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_currency(value / 100, "EUR")
    return shown(value)


def postcode(value: Any) -> str:
    """``1234AB`` as people write it: ``1234 AB``."""
    if isinstance(value, str) and len(value) == 6:
        return f"{value[:4]} {value[4:]}"
    return shown(value)


def address(values: Any) -> str:
    """A person's address from their revealed values ("Lindelaan 14, 1234 AB Demostad"): the
    withheld marker once when the reader may not see it, a dash when nothing is known."""
    street = values.get("street")
    if isinstance(street, (Withheld, Erased)):
        return str(street)
    first = " ".join(str(v) for v in (street, values.get("house_number")) if v)
    code = values.get("postcode")
    second = " ".join(
        v for v in (postcode(code) if code else "", str(values.get("city") or "")) if v
    )
    return ", ".join(part for part in (first, second) if part) or "—"


def phone(value: Any) -> str:
    """A stored E.164 number in the national way of writing it (``06 12345678``)."""
    if isinstance(value, str) and value.startswith("+"):
        try:
            number = phonenumbers.parse(value)
        except phonenumbers.NumberParseException:
            return value
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if number.country_code == 31
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, style)
    return shown(value)


def label(value: Any, kind: str) -> str:
    """The display name of a code (withheld and empty as ``shown``)."""
    if isinstance(value, str) and value in LABELS[kind]:
        return _label_in_words(str(get_locale()), kind, value)
    return shown(value)


@dataclass
class TimelineEntry:
    day: date
    order: datetime
    what: str
    text: str
    organisation: str | None = None


@dataclass
class CaseView:
    case: Case
    actor: Actor
    revealed: Revealed
    decisions: dict[str, AccessDecision]
    persons: list[Person]
    signals: list[Signal]
    attempts: list[ContactAttempt]
    agreements: list[Agreement]
    finances: Finances | None
    life_map: dict[str, LifeMapEntry]
    organisations: dict[int, str] = field(default_factory=dict)
    letters: list[Letter] = field(default_factory=list)
    #: What the tenant brought herself: her messages, her corrections, her representatives.
    #: Steps told by the other rooms (referrals, consents, decisions), for the timeline.
    events: list[CaseEvent] = field(default_factory=list)
    says: list[TenantSay] = field(default_factory=list)
    corrections: list[ContactCorrection] = field(default_factory=list)
    mandates: list[TenantMandate] = field(default_factory=list)

    # --- values ---------------------------------------------------------------------------

    def v(self, obj: Any, name: str) -> Any:
        """The revealed value of one field (or its Withheld marker)."""
        return self.revealed.get(obj, name)

    def minor(self, person: Person) -> Any:
        """Whether a member is under 18, from what was revealed (withheld with the household)."""
        return revealed_minor(self.revealed, person)

    def allowed(self, category: str) -> bool:
        decision = self.decisions.get(category)
        return bool(decision and decision.allowed)

    def withheld(self, category: str) -> str:
        decision = self.decisions[category]
        return str(Withheld(category, decision.reason or "not_shared"))

    @property
    def main_tenant(self) -> Person | None:
        return next((p for p in self.persons if p.is_main_tenant), None)

    def household_line(self) -> str:
        """The household in one line: the main tenant, and how many others live there (when
        the viewer may see the household: otherwise not even how many)."""
        name = self.tenant_name()
        if not self.allowed("household"):
            return name
        others = [p for p in self.persons if not p.is_main_tenant]
        minors = sum(1 for p in others if self.minor(p) is True)
        parts = []
        if len(others) - minors:
            parts.append(
                ngettext("%(num)s volwassene", "%(num)s volwassenen", len(others) - minors)
            )
        if minors:
            parts.append(ngettext("%(num)s kind", "%(num)s kinderen", minors))
        if not parts:
            return _("%(name)s, woont alleen", name=name)
        return _("%(name)s, met %(others)s", name=name, others=_(" en ").join(parts))

    def arrears_line(self) -> str:
        """The arrears in words: the amount and for how many months."""
        amount = money(self.v(self.case, "arrears_cents"))
        months = self.v(self.case, "arrears_months")
        if isinstance(months, int) and months > 0:
            return _(
                "%(amount)s over %(months)s",
                amount=amount,
                months=ngettext("%(num)s maand", "%(num)s maanden", months),
            )
        return amount

    def tenant_name(self) -> str:
        tenant = self.main_tenant
        if tenant is None:
            return ""
        return full_name(self.v(tenant, "initials"), self.v(tenant, "surname"))

    # --- permissions ----------------------------------------------------------------------

    @property
    def is_owner(self) -> bool:
        actor = self.actor
        return actor.kind == "staff" and actor.organisation_id == self.case.organisation_id

    @cached_property
    def erased(self) -> bool:
        """Whether retention erased the case: a query, so asked once per page, not per form."""
        return self.case.is_erased

    @property
    def may_edit(self) -> bool:
        """The owner changes its case file, until retention erased it (then it is read-only)."""
        return self.is_owner and not self.erased

    def may_record(self, category: str) -> bool:
        return self.actor.kind == "staff" and self.allowed(category) and not self.erased

    def may_change(self, item: Any) -> bool:
        return may_change(self.actor, item) and self.allowed(item.__category__) and not self.erased

    def organisation_name(self, organisation_id: int | None) -> str:
        return self.organisations.get(organisation_id or 0, "")

    def said(self) -> list[Said]:
        """Her messages, newest first, as revealed for this page."""
        return said(self.says, self.revealed, self.organisations)

    def may_answer(self, say: TenantSay) -> bool:
        return (
            self.actor.kind == "staff"
            and say.kind == "question"
            and say.answered_at is None
            and self.allowed("tenant_input")
        )

    @property
    def pending_corrections(self) -> list[ContactCorrection]:
        return [c for c in self.corrections if c.status == "pending"]

    def mandate(self, mandate_id: int | None) -> TenantMandate | None:
        return next((m for m in self.mandates if m.id == mandate_id), None)

    # --- derived --------------------------------------------------------------------------

    def is_overdue(self, today: date) -> bool:
        return bool(
            self.case.is_active and self.case.contact_due_on and self.case.contact_due_on < today
        )

    def life_map_rows(self) -> list[tuple[str, LifeMapEntry | None]]:
        return [(domain, self.life_map.get(domain)) for domain in LIFE_DOMAINS]

    def life_map_chart(self, chart_id: str = "levenskaart-chart"):
        slices, described = [], []
        for domain, entry in self.life_map_rows():
            status = self.v(entry, "status") if entry is not None else None
            code = status if isinstance(status, str) else None
            status_text = str(LIFE_STATUS_LABELS[code]) if code else _("niet ingevuld")
            name = str(LIFE_DOMAIN_LABELS[domain])
            slices.append(Slice(name, code, status_text))
            described.append(f"{name}: {status_text}")
        return life_map_svg(
            slices,
            title=_("Levenskaart: hoe het gaat per levensgebied"),
            description=". ".join(described) + ".",
            chart_id=chart_id,
        )

    def timeline(self) -> list[TimelineEntry]:
        """Everything that happened, newest first; withheld parts say so."""
        entries = [
            TimelineEntry(
                self.case.created_at.date(),
                self.case.created_at,
                _("Casus geopend"),
                ", ".join(label(k, "signal_kind") for k in self.case.signal_kinds),
                self.organisation_name(self.case.organisation_id),
            )
        ]
        for signal in self.signals:
            if self.allowed("arrears"):
                months = self.v(signal, "arrears_months")
                text = _(
                    "%(kinds)s; achterstand %(amount)s, %(months)s",
                    kinds=", ".join(label(k, "signal_kind") for k in signal.kinds),
                    amount=money(self.v(signal, "arrears_cents")),
                    months=ngettext("%(num)s maand", "%(num)s maanden", months)
                    if isinstance(months, int)
                    else shown(months),
                )
            else:
                text = ", ".join(label(k, "signal_kind") for k in signal.kinds)
            what = {
                "import": _("Signaal uit import"),
                "api": _("Signaal van een gekoppeld systeem"),
            }.get(signal.source, _("Signaal"))
            entries.append(
                TimelineEntry(
                    signal.signal_date,
                    signal.created_at,
                    what,
                    text,
                    self.organisation_name(signal.organisation_id),
                )
            )
        for attempt in self.attempts:
            day = self.v(attempt, "attempted_on")
            if self.allowed("contact_history"):
                text = _(
                    "%(channel)s: %(outcome)s",
                    channel=label(self.v(attempt, "channel"), "channel"),
                    outcome=label(self.v(attempt, "outcome"), "outcome"),
                )
                note = self.v(attempt, "note")
                if note:
                    text = f"{text} — {note}"
            else:
                text = self.withheld("contact_history")
            entries.append(
                TimelineEntry(
                    day if isinstance(day, date) else attempt.created_at.date(),
                    attempt.created_at,
                    _("Contactpoging"),
                    text,
                    self.organisation_name(attempt.organisation_id),
                )
            )
        for letter in self.letters:
            day = self.v(letter, "sent_on")
            if self.allowed("contact_history"):
                text = label(self.v(letter, "kind"), "letter_kind")
                note = self.v(letter, "note")
                if note:
                    text = f"{text} — {note}"
            else:
                text = self.withheld("contact_history")
            entries.append(
                TimelineEntry(
                    day if isinstance(day, date) else letter.created_at.date(),
                    letter.created_at,
                    _("Brief"),
                    text,
                    self.organisation_name(letter.organisation_id),
                )
            )
        for agreement in self.agreements:
            if self.allowed("finances"):
                text = _(
                    "%(amount)s per maand vanaf %(start)s (%(status)s)",
                    amount=money(self.v(agreement, "amount_cents")),
                    start=shown(self.v(agreement, "starts_on")),
                    status=label(self.v(agreement, "status"), "agreement_status"),
                )
            else:
                text = self.withheld("finances")
            entries.append(
                TimelineEntry(
                    agreement.created_at.date(),
                    agreement.created_at,
                    _("Betalingsregeling vastgelegd"),
                    text,
                    self.organisation_name(agreement.organisation_id),
                )
            )
        if self.finances is not None:
            entries.append(
                TimelineEntry(
                    self.finances.updated_at.date(),
                    self.finances.updated_at,
                    _("Financiële situatie bijgewerkt"),
                    "" if self.allowed("finances") else self.withheld("finances"),
                    self.organisation_name(self.finances.organisation_id),
                )
            )
        if self.life_map:
            latest = max(self.life_map.values(), key=lambda e: e.updated_at)
            entries.append(
                TimelineEntry(
                    latest.updated_at.date(),
                    latest.updated_at,
                    _("Levenskaart bijgewerkt"),
                    "" if self.allowed("life_map") else self.withheld("life_map"),
                    self.organisation_name(latest.organisation_id),
                )
            )
        for event in self.events:
            entries.append(
                TimelineEntry(
                    local_date(event.at), event.at, event.what, event.text, event.organisation
                )
            )
        if self.case.closed_at is not None:
            entries.append(
                TimelineEntry(
                    self.case.closed_at.date(),
                    self.case.closed_at,
                    _("Casus gesloten"),
                    "",
                    self.organisation_name(self.case.organisation_id),
                )
            )
        entries.sort(key=lambda e: (e.day, e.order), reverse=True)
        return entries


def full_name(initials: Any, surname: Any) -> str:
    """ "A.B. Jansen", or the withheld marker once."""
    if isinstance(surname, (Withheld, Erased)):
        return str(surname)
    return " ".join(str(part) for part in (initials, surname) if part)


def case_view(session: Session, actor: Actor, case: Case, *, action: str = "case.view") -> CaseView:
    """Load the groundwork, decide, and reveal every shown field with one audit event."""
    from portal.accounts.models import Organisation

    signals = list(
        session.scalars(select(Signal).where(Signal.case_id == case.id).order_by(Signal.id))
    )
    attempts = list(
        session.scalars(
            select(ContactAttempt)
            .where(ContactAttempt.case_id == case.id)
            .order_by(ContactAttempt.id)
        )
    )
    agreements = list(
        session.scalars(
            select(Agreement).where(Agreement.case_id == case.id).order_by(Agreement.id)
        )
    )
    letters = list(
        session.scalars(select(Letter).where(Letter.case_id == case.id).order_by(Letter.id))
    )
    finances = session.scalar(select(Finances).where(Finances.case_id == case.id))
    says = says_of(session, case)
    corrections = corrections_of(session, case)
    mandates = mandates_of(session, case)
    life_map = {
        e.domain: e
        for e in session.scalars(select(LifeMapEntry).where(LifeMapEntry.case_id == case.id))
    }
    persons = list(case.persons)
    fields: list[tuple[Any, list[str]]] = [(p, list(Person.__categories__)) for p in persons]
    fields.append((case, list(Case.__categories__)))
    fields += [(s, list(Signal.__categories__)) for s in signals]
    fields += [(a, list(ContactAttempt.__categories__)) for a in attempts]
    fields += [(a, list(Agreement.__categories__)) for a in agreements]
    fields += [(letter, list(Letter.__categories__)) for letter in letters]
    if finances is not None:
        fields.append((finances, list(Finances.__categories__)))
    fields += [(e, list(LifeMapEntry.__categories__)) for e in life_map.values()]
    fields += [(say, ["text", "answer"]) for say in says]
    fields += [(c, ["value"]) for c in corrections]
    fields += [(m, list(TenantMandate.__categories__)) for m in mandates]

    decisions = decide(session, actor, case, PAGE_CATEGORIES)
    revealed = reveal(session, actor, case, fields, action=action)
    org_ids = {case.organisation_id}
    org_ids.update(s.organisation_id for s in signals)
    org_ids.update(a.organisation_id for a in attempts)
    org_ids.update(a.organisation_id for a in agreements)
    org_ids.update(letter.organisation_id for letter in letters)
    org_ids.update(e.organisation_id for e in life_map.values())
    org_ids.update(s.answered_by_org_id for s in says if s.answered_by_org_id)
    if finances is not None:
        org_ids.add(finances.organisation_id)
    organisations: dict[int, str] = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        )
        .tuples()
        .all()
    )
    return CaseView(
        case=case,
        actor=actor,
        revealed=revealed,
        decisions=decisions,
        persons=persons,
        signals=signals,
        attempts=attempts,
        agreements=agreements,
        finances=finances,
        life_map=life_map,
        organisations=organisations,
        letters=letters,
        events=case_events(session, actor, case),
        says=says,
        corrections=corrections,
        mandates=mandates,
    )


@dataclass
class InboxRow:
    case: Case
    name: str
    organisation: str
    own: bool


def inbox_rows(session: Session, actor: Actor, cases: list[Case]) -> list[InboxRow]:
    """The main tenant's name per listed case: one audit event for the whole page."""
    tenants = {case.id: case.main_tenant for case in cases}
    preload_keys(session, [t for t in tenants.values() if t], "surname", "initials")
    preload_grants(session, actor, cases)
    named = [(case, tenant) for case in cases if (tenant := tenants[case.id]) is not None]
    shown = reveal_list(
        session,
        actor,
        [(case, {tenant: ["initials", "surname"]}) for case, tenant in named],
        action="case.list",
    )
    names = {
        case.id: full_name(values.get(tenant, "initials"), values.get(tenant, "surname"))
        for (case, tenant), values in zip(named, shown, strict=True)
    }
    return [
        InboxRow(
            case=case,
            name=names.get(case.id, ""),
            organisation=case.organisation.name,
            own=case.organisation_id == actor.organisation_id,
        )
        for case in cases
    ]
