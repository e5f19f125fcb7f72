"""The tenant's right of access (GDPR art. 15), "Mijn gegevens": everything the portal holds
about her and her household that is hers to see, in plain words, with what the law asks us to
tell besides the data (purposes, recipients, legal bases, retention, her rights, the source).

What is hers: her own person record whole (it is her data), her case, its groundwork facts,
her consents, the referrals and joint decisions about her case, and who used her data. Of the
other members of her household only their names, place in the household and whether they are
under 18: their BSN, birth date and contact details are their own data, which they can ask for
themselves. Never a partner's free text (a note, a reason, a motivation): those are working
notes, and the tenant is told she can ask the organisation that wrote them. Two notes are
about what she must know to act on: where the shelter point says she can stay, and what was
written when she did not keep a condition of her trajectory; she reads those as far as the
policy point reveals them to her (``handover.shelter.my_data``, ``handover.conditions.my_data``).

Every encrypted field is read through the policy point (``portal.sharing.reveal``) in one call
for the case, so one look is one audit event (``tenant.my_data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import policy as consent_policy
from consent import receipt
from handover.conditions import my_data as conditions
from handover.decisions.models import Decision
from handover.models import Referral
from handover.my_case import own_case
from handover.my_data.facts import (
    AgreementFact,
    CaseFacts,
    ConsentFact,
    ContactAttemptFact,
    CorrectionFact,
    DecisionFact,
    FinancesFact,
    Groundwork,
    LetterFact,
    LifeDomainFact,
    Member,
    MyData,
    Myself,
    ReferralFact,
    RepresentativeFact,
    UseFact,
    WithdrawalFact,
    WordsFact,
)
from handover.my_data.processing import _processing, _retention, _rights, _sources
from handover.nuisance import my_data as nuisance
from handover.shelter import my_data as shelter
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.transparency import MAX_PAGE_SIZE, accesses_for_person
from portal.cases.display import phone
from portal.cases.labels import (
    AGREEMENT_STATUS_LABELS,
    CHANNEL_LABELS,
    CORRECTABLE_LABELS,
    DEBT_SUPPORT_LABELS,
    INCOME_SOURCE_LABELS,
    LETTER_KIND_LABELS,
    LIFE_DOMAIN_LABELS,
    LIFE_STATUS_LABELS,
    MANDATE_LABELS,
    OUTCOME_LABELS,
    RELATION_LABELS,
    STATUS_LABELS,
)
from portal.cases.mandates import mandates_of
from portal.cases.models import (
    LIFE_DOMAINS,
    Agreement,
    Case,
    ContactAttempt,
    Finances,
    Letter,
    LifeMapEntry,
    Person,
    Signal,
)
from portal.cases.service import minor_from
from portal.cases.tenant_input import corrections_of, says_of
from portal.covenant.rules import Covenant, active_covenant
from portal.crypto.fields import Erased
from portal.sharing import Revealed, Withheld, reveal
from portal.workdays import local_date, local_today

ACTION = "tenant.my_data"
#: The shape of the download, so a later change of fields can be told apart.
FORMAT = "ketenportaal-my-data-v1"
#: Pages of the access log read for "who used your data" (of ``MAX_PAGE_SIZE`` each): a
#: bound on the work of one download; the "who looked" page pages on beyond it.
MAX_ACCESS_PAGES = 25

#: Her own person record: all of it (it is her data).
OWN_FIELDS = (
    "initials",
    "surname",
    "birth_date",
    "bsn",
    "phone",
    "email",
    "street",
    "house_number",
    "postcode",
    "city",
)
#: Another member: the name, the place in the household and under 18 or not (the birth date
#: is read to tell that, never shown).
MEMBER_FIELDS = ("initials", "surname", "relation", "minor", "birth_date")
CASE_FIELDS = ("arrears_cents", "arrears_months", "arrears_since", "tenant_number")
#: Groundwork fields she sees: never ``note`` or ``debts_note`` (the partners' working notes).
ATTEMPT_FIELDS = ("attempted_on", "channel", "outcome")
LETTER_FIELDS = ("sent_on", "kind")
AGREEMENT_FIELDS = ("amount_cents", "starts_on", "status")
FINANCES_FIELDS = ("income_source", "income_cents", "debts_cents", "debt_support")
LIFE_MAP_FIELDS = ("status",)

#: A referral's status as the tenant reads it (B1).
REFERRAL_STATUS = {
    "sent": _l("Gevraagd, nog geen antwoord"),
    "accepted": _l("Zij zeiden ja: zij gaan u helpen"),
    "in_progress": _l("Zij helpen u nu"),
    "declined": _l("Zij konden u niet helpen"),
    "returned": _l("Zij gaven uw zaak terug"),
    "expired": _l("Geen antwoord op tijd"),
    "withdrawn": _l("Toch niet gevraagd"),
    "completed": _l("De hulp is klaar"),
    "escalated": _l("Doorgestuurd naar een andere organisatie"),
}
DECISION_STATUS = {
    "preparing": _l("De organisaties bereiden het besluit voor"),
    "voting": _l("De organisaties stemmen nu"),
    "decided": _l("Besloten"),
    "withdrawn": _l("Gestopt: er komt geen besluit"),
}
DECISION_OUTCOME = {
    "approved": _l("Ja, aangenomen"),
    "refused": _l("Nee, afgewezen"),
}
CONSENT_STATUS = {
    "valid": _l("Geldt nu"),
    "withdrawn": _l("Ingetrokken"),
    "expired": _l("Verlopen"),
}


# --- small helpers ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A revealed value, or ``None`` for a withheld or erased one (nothing to show)."""
    return None if isinstance(value, (Withheld, Erased)) else value


#: Her messages and corrections as she reads about them (B1).
SAY_KIND_WORDS = {"view": _l("Hoe u het ziet"), "question": _l("Uw vraag")}
CORRECTION_WORDS = {
    "pending": _l("De organisatie kijkt er nog naar"),
    "confirmed": _l("Aangepast"),
    "rejected": _l("Niet aangepast"),
}


def _words(labels: dict[str, Any], code: Any) -> str:
    """A code in words; an unknown or missing code as "unknown" (never the raw code)."""
    found = labels.get(code) if isinstance(code, str) else None
    return str(found) if found is not None else _("Onbekend")


def _day(moment: datetime | None) -> date | None:
    return local_date(moment) if moment is not None else None


def _org_names(
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


def _rows(session: Session, model: Any, case: Case) -> list[Any]:
    return list(session.scalars(select(model).where(model.case_id == case.id).order_by(model.id)))


# --- the service --------------------------------------------------------------------------------


def my_data(session: Session, actor: Actor, lang: str) -> MyData:
    """Everything the tenant may see about herself and her case, in her language.

    One ``reveal`` for the case (one audit event, ``tenant.my_data``); the log of who used
    her data is read through ``accesses_for_person`` (which logs that read itself).
    """
    case = own_case(session, actor)
    covenant = active_covenant(session)
    me = next(p for p in case.persons if p.id == actor.person_id)
    others = [p for p in case.persons if p.id != actor.person_id]
    attempts = _rows(session, ContactAttempt, case)
    letters = _rows(session, Letter, case)
    agreements = _rows(session, Agreement, case)
    finances = session.scalar(select(Finances).where(Finances.case_id == case.id))
    life_map = {e.domain: e for e in _rows(session, LifeMapEntry, case)}
    signals = _rows(session, Signal, case)
    referrals = [r for r in _rows(session, Referral, case) if r.status != "draft"]
    decisions = _rows(session, Decision, case)
    records = [r for r in consent_policy.tenant_records(session, [me.id]) if r.case_id == case.id]

    fields: list[tuple[Any, tuple[str, ...]]] = [(me, OWN_FIELDS), (case, CASE_FIELDS)]
    fields += [(p, MEMBER_FIELDS) for p in others]
    fields += [(a, ATTEMPT_FIELDS) for a in attempts]
    fields += [(x, LETTER_FIELDS) for x in letters]
    fields += [(a, AGREEMENT_FIELDS) for a in agreements]
    fields += [(finances, FINANCES_FIELDS)] if finances is not None else []
    fields += [(e, LIFE_MAP_FIELDS) for e in life_map.values()]
    says = says_of(session, case)
    corrections = [c for c in corrections_of(session, case) if c.person_id == me.id]
    mandates = [m for m in mandates_of(session, case) if m.person_id == me.id]
    fields += [(say, ("text", "answer")) for say in says]
    fields += [(c, ("value",)) for c in corrections]
    fields += [(m, ("name", "kind", "since")) for m in mandates]
    nuisance_reports, nuisance_agreements = nuisance.rows(session, case)
    fields += nuisance.fields(nuisance_reports, nuisance_agreements)
    handovers = shelter.rows(session, case)
    fields += shelter.fields(handovers)
    trajectory_rows = conditions.rows(session, case)
    fields += conditions.fields(trajectory_rows)
    shown = reveal(session, actor, case, fields, action=ACTION)

    org_ids = {case.organisation_id, *(s.organisation_id for s in signals)}
    org_ids |= {r.sender_org_id for r in referrals} | {r.recipient_org_id for r in referrals}
    items: list[Any] = [*attempts, *letters, *agreements, *life_map.values()]
    items += [finances] if finances is not None else []
    org_ids |= {i.organisation_id for i in items}
    org_ids |= {say.answered_by_org_id for say in says if say.answered_by_org_id}
    org_ids |= shelter.org_ids(handovers) | conditions.org_ids(trajectory_rows)
    names = _org_names(session, covenant, org_ids, lang)
    owner = names[case.organisation_id]

    def v(obj: Any, name: str) -> Any:
        return _plain(shown.get(obj, name))

    return MyData(
        language=lang,
        made_on=local_today(),
        myself=Myself(**{name: v(me, name) for name in OWN_FIELDS}),
        household=tuple(_member(shown, p) for p in others),
        household_notice=_(
            "Van de andere mensen in uw huishouden ziet u hier alleen hun naam, wie zij voor "
            "u zijn en of zij jonger zijn dan 18 jaar. Hun BSN, geboortedatum, telefoonnummer "
            "en e-mailadres zijn hun eigen gegevens. Die kunnen zij zelf opvragen."
        ),
        case=CaseFacts(
            reference=case.reference,
            opened_by=owner,
            opened_on=local_date(case.created_at),
            status=_words(STATUS_LABELS, case.status),
            closed_on=_day(case.closed_at),
            arrears_cents=v(case, "arrears_cents"),
            arrears_months=v(case, "arrears_months"),
            arrears_since=v(case, "arrears_since"),
            tenant_number=v(case, "tenant_number"),
        ),
        groundwork=Groundwork(
            contact_attempts=tuple(
                ContactAttemptFact(
                    day=v(a, "attempted_on"),
                    channel=_words(CHANNEL_LABELS, v(a, "channel")),
                    outcome=_words(OUTCOME_LABELS, v(a, "outcome")),
                    recorded_by=names.get(a.organisation_id, ""),
                )
                for a in attempts
            ),
            letters=tuple(
                LetterFact(
                    day=v(x, "sent_on"),
                    kind=_words(LETTER_KIND_LABELS, v(x, "kind")),
                    recorded_by=names.get(x.organisation_id, ""),
                )
                for x in letters
            ),
            agreements=tuple(
                AgreementFact(
                    amount_cents=v(a, "amount_cents"),
                    starts_on=v(a, "starts_on"),
                    status=_words(AGREEMENT_STATUS_LABELS, v(a, "status")),
                    recorded_by=names.get(a.organisation_id, ""),
                )
                for a in agreements
            ),
            finances=_finances(shown, finances, names),
            life_map=tuple(
                LifeDomainFact(
                    domain=str(LIFE_DOMAIN_LABELS[domain]),
                    status=_words(LIFE_STATUS_LABELS, v(life_map[domain], "status")),
                )
                for domain in LIFE_DOMAINS
                if domain in life_map
            ),
        ),
        notes_notice=_(
            "De medewerkers van de organisaties schrijven soms aantekeningen op voor hun werk. "
            "Ook schrijven zij soms op waarom zij iets besloten. Die teksten staan niet in dit "
            "overzicht. Wilt u ze zien? Vraag het aan de organisatie die ze schreef."
        ),
        words=tuple(
            WordsFact(
                kind=_words(SAY_KIND_WORDS, say.kind),
                on=local_date(say.created_at),
                text=v(say, "text"),
                written_by=str(
                    _("uw vertegenwoordiger") if say.mandate_id is not None else _("uzelf")
                ),
                answer=v(say, "answer") if say.answered_at else None,
                answered_by=names.get(say.answered_by_org_id or 0),
                answered_on=_day(say.answered_at),
            )
            for say in says
        ),
        corrections=tuple(
            CorrectionFact(
                what=_words(CORRECTABLE_LABELS, c.field),
                value=phone(v(c, "value")) if c.field == "phone" else v(c, "value"),
                status=_words(CORRECTION_WORDS, c.status),
                on=local_date(c.created_at),
            )
            for c in corrections
        ),
        representatives=tuple(
            RepresentativeFact(
                name=v(m, "name"),
                kind=_words(MANDATE_LABELS, v(m, "kind")),
                since=v(m, "since"),
                ended_on=_day(m.ended_at),
            )
            for m in mandates
        ),
        consents=_consents(session, records, lang),
        referrals=tuple(_referral(r, names, covenant, lang) for r in referrals),
        decisions=tuple(_decision(d, covenant, lang) for d in decisions),
        **_uses(session, actor, me.id, lang),
        processing=_processing(
            covenant,
            case,
            owner,
            shown,
            referrals,
            decisions,
            records,
            lang,
            not_the_owners=shelter.KEPT_BY_THE_POINT,
        ),
        retention=_retention(covenant, case, shown, referrals, decisions, records, lang),
        sources=_sources(
            signals,
            [*items, *shelter.done_items(handovers), *trajectory_rows.reviews],
            names,
            owner,
            bool(records),
        ),
        rights=_rights(),
        ask=_(
            "Wilt u iets vragen, verbeteren of laten wissen? Neem contact op met %(org)s.",
            org=owner,
        ),
        nuisance=nuisance.facts(shown, nuisance_reports, nuisance_agreements),
        shelter=shelter.facts(session, shown, handovers, names),
        conditions=conditions.facts(shown, trajectory_rows, names, covenant, lang),
    )


def _member(shown: Revealed, person: Person) -> Member:
    relation = (
        _("Hoofdhuurder")
        if person.is_main_tenant
        else _words(RELATION_LABELS, _plain(shown.get(person, "relation")))
    )
    return Member(
        initials=_plain(shown.get(person, "initials")),
        surname=_plain(shown.get(person, "surname")),
        relation=relation,
        minor=minor_from(
            _plain(shown.get(person, "birth_date")), _plain(shown.get(person, "minor"))
        ),
    )


def _finances(
    shown: Revealed, finances: Finances | None, names: dict[int, str]
) -> FinancesFact | None:
    if finances is None:
        return None

    def v(name: str) -> Any:
        return _plain(shown.get(finances, name))

    return FinancesFact(
        income_source=_words(INCOME_SOURCE_LABELS, v("income_source")),
        income_cents=v("income_cents"),
        debts_cents=v("debts_cents"),
        debt_support=_words(DEBT_SUPPORT_LABELS, v("debt_support")),
        recorded_by=names.get(finances.organisation_id, ""),
    )


def _consents(session: Session, records: list[Any], lang: str) -> tuple[ConsentFact, ...]:
    if not records:
        return ()
    states = consent_policy.states(session, records)
    return tuple(
        ConsentFact(
            recipient=line.recipient,
            purpose=line.purpose,
            categories=tuple(line.categories),
            still_given=tuple(line.active),
            status=_words(CONSENT_STATUS, line.state.status),
            given_on=local_date(line.record.given_at),
            valid_until=local_date(line.record.valid_until),
            withdrawals=tuple(
                WithdrawalFact(name, local_date(at)) for name, at in line.withdrawals
            ),
        )
        for line in receipt.lines(session, records, states, lang)
    )


def _purpose_name(covenant: Covenant, code: str, lang: str) -> str:
    purpose = covenant.purposes.get(code)
    return purpose.name.get(lang) if purpose is not None else _("Onbekend")


def _referral(
    referral: Referral, names: dict[int, str], covenant: Covenant, lang: str
) -> ReferralFact:
    """Organisations, purpose, status and dates; never the note or a decline's reason."""
    answered = referral.accepted_at
    if answered is None and referral.status in ("declined", "returned"):
        answered = referral.closed_at
    return ReferralFact(
        sender=names.get(referral.sender_org_id, ""),
        recipient=names.get(referral.recipient_org_id, ""),
        purpose=_purpose_name(covenant, referral.purpose, lang),
        status=_words(REFERRAL_STATUS, referral.status),
        sent_on=_day(referral.sent_at),
        answered_on=_day(answered),
        closed_on=_day(referral.closed_at),
    )


def _decision(decision: Decision, covenant: Covenant, lang: str) -> DecisionFact:
    """Kind, status, outcome and dates; never a motivation or a dissent."""
    kind = covenant.decisions.get(decision.kind)
    return DecisionFact(
        kind=kind.name.get(lang) if kind is not None else _("Onbekend"),
        purpose=_purpose_name(covenant, decision.purpose, lang),
        status=_words(DECISION_STATUS, decision.status),
        outcome=_words(DECISION_OUTCOME, decision.outcome) if decision.outcome else None,
        opened_on=local_date(decision.created_at),
        voting_opened_on=_day(decision.voting_opened_at),
        decided_on=_day(decision.closed_at),
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


def _uses(session: Session, actor: Actor, person_id: int, lang: str) -> dict[str, Any]:
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


# --- the download ---------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def as_json(data: MyData) -> dict[str, Any]:
    """The download for computers: English keys, texts in her language, ISO dates, amounts in
    whole cents. Her BSN whole: it is her own file."""
    return {"format": FORMAT, **_json_value(asdict(data))}
