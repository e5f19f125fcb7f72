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

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import policy as consent_policy
from handover.conditions import my_data as conditions
from handover.decisions.models import Decision
from handover.models import Referral
from handover.my_case import own_case
from handover.my_data.export import FORMAT as FORMAT
from handover.my_data.export import as_json as as_json
from handover.my_data.facts import (
    AgreementFact,
    CaseFacts,
    ContactAttemptFact,
    CorrectionFact,
    Groundwork,
    LetterFact,
    LifeDomainFact,
    MyData,
    Myself,
    RepresentativeFact,
    WordsFact,
)
from handover.my_data.parts import (
    consents,
    decision_fact,
    finances_fact,
    member,
    org_names,
    referral_fact,
    rows_of,
    uses,
)
from handover.my_data.processing import processing, retention, rights, sources
from handover.my_data.words import CORRECTION_WORDS, SAY_KIND_WORDS, day
from handover.nuisance import my_data as nuisance
from handover.shelter import my_data as shelter
from portal.actor import Actor
from portal.cases.display import phone
from portal.cases.labels import (
    AGREEMENT_STATUS_LABELS,
    CHANNEL_LABELS,
    CORRECTABLE_LABELS,
    LETTER_KIND_LABELS,
    LIFE_DOMAIN_LABELS,
    LIFE_STATUS_LABELS,
    MANDATE_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
)
from portal.cases.mandates import mandates_of
from portal.cases.models import (
    LIFE_DOMAINS,
    Agreement,
    ContactAttempt,
    Finances,
    Letter,
    LifeMapEntry,
    Signal,
)
from portal.cases.tenant_input import corrections_of, says_of
from portal.covenant.rules import active_covenant
from portal.i18n import code_in_words
from portal.sharing import plain, reveal
from portal.workdays import local_date, local_today

ACTION = "tenant.my_data"

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
    attempts = rows_of(session, ContactAttempt, case)
    letters = rows_of(session, Letter, case)
    agreements = rows_of(session, Agreement, case)
    finances = session.scalar(select(Finances).where(Finances.case_id == case.id))
    life_map = {e.domain: e for e in rows_of(session, LifeMapEntry, case)}
    signals = rows_of(session, Signal, case)
    referrals = [r for r in rows_of(session, Referral, case) if r.status != "draft"]
    decisions = rows_of(session, Decision, case)
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
    names = org_names(session, covenant, org_ids, lang)
    owner = names[case.organisation_id]

    def v(obj: Any, name: str) -> Any:
        return plain(shown.get(obj, name))

    return MyData(
        language=lang,
        made_on=local_today(),
        myself=Myself(**{name: v(me, name) for name in OWN_FIELDS}),
        household=tuple(member(shown, p) for p in others),
        household_notice=_(
            "Van de andere mensen in uw huishouden ziet u hier alleen hun naam, wie zij voor "
            "u zijn en of zij jonger zijn dan 18 jaar. Hun BSN, geboortedatum, telefoonnummer "
            "en e-mailadres zijn hun eigen gegevens. Die kunnen zij zelf opvragen."
        ),
        case=CaseFacts(
            reference=case.reference,
            opened_by=owner,
            opened_on=local_date(case.created_at),
            status=code_in_words(STATUS_LABELS, case.status),
            closed_on=day(case.closed_at),
            arrears_cents=v(case, "arrears_cents"),
            arrears_months=v(case, "arrears_months"),
            arrears_since=v(case, "arrears_since"),
            tenant_number=v(case, "tenant_number"),
        ),
        groundwork=Groundwork(
            contact_attempts=tuple(
                ContactAttemptFact(
                    day=v(a, "attempted_on"),
                    channel=code_in_words(CHANNEL_LABELS, v(a, "channel")),
                    outcome=code_in_words(OUTCOME_LABELS, v(a, "outcome")),
                    recorded_by=names.get(a.organisation_id, ""),
                )
                for a in attempts
            ),
            letters=tuple(
                LetterFact(
                    day=v(x, "sent_on"),
                    kind=code_in_words(LETTER_KIND_LABELS, v(x, "kind")),
                    recorded_by=names.get(x.organisation_id, ""),
                )
                for x in letters
            ),
            agreements=tuple(
                AgreementFact(
                    amount_cents=v(a, "amount_cents"),
                    starts_on=v(a, "starts_on"),
                    status=code_in_words(AGREEMENT_STATUS_LABELS, v(a, "status")),
                    recorded_by=names.get(a.organisation_id, ""),
                )
                for a in agreements
            ),
            finances=finances_fact(shown, finances, names),
            life_map=tuple(
                LifeDomainFact(
                    domain=str(LIFE_DOMAIN_LABELS[domain]),
                    status=code_in_words(LIFE_STATUS_LABELS, v(life_map[domain], "status")),
                )
                for domain in LIFE_DOMAINS
                if domain in life_map
            ),
        ),
        notes_notice=_(
            "De medewerkers van de organisaties schrijven soms aantekeningen op voor hun werk. "
            "Ook schrijven zij soms op waarom zij iets besloten. Die teksten staan meestal niet "
            "in dit overzicht. Wel ziet u waar u terechtkunt na een ontruiming, en wat er "
            "gebeurde als u zich niet aan een afspraak in uw traject hield. Wilt u de andere "
            "teksten zien? Vraag het aan de organisatie die ze schreef."
        ),
        words=tuple(
            WordsFact(
                kind=code_in_words(SAY_KIND_WORDS, say.kind),
                on=local_date(say.created_at),
                text=v(say, "text"),
                written_by=str(
                    _("uw vertegenwoordiger") if say.mandate_id is not None else _("uzelf")
                ),
                answer=v(say, "answer") if say.answered_at else None,
                answered_by=names.get(say.answered_by_org_id or 0),
                answered_on=day(say.answered_at),
            )
            for say in says
        ),
        corrections=tuple(
            CorrectionFact(
                what=code_in_words(CORRECTABLE_LABELS, c.field),
                value=phone(v(c, "value")) if c.field == "phone" else v(c, "value"),
                status=code_in_words(CORRECTION_WORDS, c.status),
                on=local_date(c.created_at),
            )
            for c in corrections
        ),
        representatives=tuple(
            RepresentativeFact(
                name=v(m, "name"),
                kind=code_in_words(MANDATE_LABELS, v(m, "kind")),
                since=v(m, "since"),
                ended_on=day(m.ended_at),
            )
            for m in mandates
        ),
        consents=consents(session, records, lang),
        referrals=tuple(referral_fact(r, names, covenant, lang) for r in referrals),
        decisions=tuple(decision_fact(d, covenant, lang) for d in decisions),
        **uses(session, actor, me.id, lang),
        processing=processing(
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
        retention=retention(covenant, case, shown, referrals, decisions, records, lang),
        sources=sources(
            signals,
            [*items, *shelter.done_items(handovers), *trajectory_rows.reviews],
            names,
            owner,
            bool(records),
        ),
        rights=rights(),
        ask=_(
            "Wilt u iets vragen, verbeteren of laten wissen? Neem contact op met %(org)s.",
            org=owner,
        ),
        nuisance=nuisance.facts(shown, nuisance_reports, nuisance_agreements),
        shelter=shelter.facts(session, shown, handovers, names),
        conditions=conditions.facts(shown, trajectory_rows, names, covenant, lang),
    )
