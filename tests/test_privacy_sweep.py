"""The generated privacy sweep: nobody sees more than the covenant and the tenant allow.

For every purpose and recipient role on a ladder of the demo covenant, and for every state a
case can be in for that recipient (referred without consent, with consent, consent withdrawn,
consent expired, referral declined / returned / taken back, consent but no referral at all),
and for the voters of a joint decision, the sweep

1. builds the case through the services, with groundwork, consent, referral and decision;
2. writes a distinctive canary into every personal field of every row (found by walking the
   mapped models, so a new model or column is covered without being listed): a text such as
   ``knHH007q`` (the letters name the field's data category), a date in a year that belongs
   to the category, an amount that only finances use;
3. signs in as each account of the recipient (a caseworker; an administrator and auditor)
   and of an organisation without any grant, and fetches every GET route of the URL map
   (again, not a hand-written list) with the ids of this case filled in, as a page, as an
   htmx fragment, PDFs as text;
4. fails when a canary of a category the covenant does not allow this account shows up, and
   when a text canary of an allowed category that the owner's pages show is missing from the
   recipient's (the package must travel whole).

What is allowed comes from the covenant document itself (statutory bases always, consent
bases only with valid consent, nothing without an active grant), and what a field means from
``REGISTER`` below, not from the code under test: a field whose model declares a wider
category than it means leaks (check 4, first half), a stricter one goes missing (second half).
The organisation without a grant also searches for the case and opens its own intake for the
same tenant: it must learn nothing, not even that the case exists.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import select, update

from consent import service as consent
from handover import service as handover
from handover.emergency.models import EmergencyAccess
from handover.fraud import service as fraud
from handover.nuisance import service as nuisance
from handover.signalling import service as signalling
from portal.actor import Actor, staff_actor
from portal.attachments import service as attachments
from portal.cases import groundwork, mandates, tenant_input
from portal.cases.models import CaseGrant
from portal.cases.service import PersonData
from portal.crypto.fields import EncryptedRow, encrypted_columns
from portal.db import Base, utcnow
from portal.demo import DEMO_COVENANT
from portal.workdays import local_today
from tests.attachments.test_attachments import pdf_bytes
from tests.conftest import Client

COVENANT = tomllib.loads(DEMO_COVENANT.read_text())
OWNER = "corporatie"
CASEWORK = ("caseworker",)
NO_CASEWORK = ("org_admin", "auditor")

# --- canaries -----------------------------------------------------------------------------------

CODES = {
    "identity": "id",
    "contact": "ct",
    "household": "hh",
    "arrears": "ar",
    "finances": "fi",
    "contact_history": "ch",
    "life_map": "lm",
    "health": "he",
    "nuisance": "nu",
    "justice": "ju",
    "tenant_input": "ti",
    "emergency": "em",
    "shelter": "sh",
    "reporter": "rp",
    "case_meeting": "cm",
    "housing_fraud": "hf",
    "subtenant": "st",
}
assert set(CODES) == set(COVENANT["categories"]), "a covenant category has no canary code"
TEXT = re.compile(r"kn(" + "|".join(CODES.values()) + r")\d{3}q", re.IGNORECASE)
#: One year per category for date fields: found as "1913" next to a day and month.
YEARS = {
    "identity": 1913,
    "household": 1911,
    "finances": 1917,
    "contact_history": 1915,
    "arrears": 1919,
}
#: The canary dates are the 27th of November: a year counts only next to that day, so an id
#: or a count that happens to read 1913 is no trace.
DATE = re.compile(r"(?<![\w/+=-])(19(?:11|13|15|17|19))(?![\w/+=-])")
DAY = "27"
#: Amounts per money category: €87.654,31 for finances, €76.543,19 for the arrears, however
#: written (never inside a longer token such as a request id).
MONEY_CENTS = {"finances": 8_765_431, "arrears": 7_654_319}
MONEY = {
    "finances": re.compile(r"(?<![\w.,])(?:87[.,\s\u00a0\u202f]?654[.,]31|8765431)(?![\w])"),
    "arrears": re.compile(r"(?<![\w.,])(?:76[.,\s\u00a0\u202f]?543[.,]19|7654319)(?![\w])"),
}
#: A real-looking BSN that passes the elfproef, found with or without separators.
BSN = "739148217"
BSN_SEEN = re.compile(r"(?<![\w])739[\s.-]?148[\s.-]?217(?![\w])")
#: How pages show the (encrypted) minor flag of a household member.
MINOR_WORD = re.compile(r"Ja, minderjarig|Minderjarig gezinslid", re.IGNORECASE)


#: What each personal field *means*, written down apart from the models: the sweep labels a
#: canary with the category from here, so a field whose model declaration drifts to another
#: category (and is then shown by that category's rules) is caught. Every other household
#: member's fields are household, whatever this says (``expected_category``).
REGISTER: dict[str, dict[str, str]] = {
    "Agreement": {
        "amount_cents": "finances",
        "starts_on": "finances",
        "status": "finances",
        "note": "finances",
    },
    "Case": {
        "arrears_cents": "arrears",
        "arrears_months": "arrears",
        "arrears_since": "arrears",
        "tenant_number": "identity",
    },
    "ConsentEvidence": {"content": "identity"},
    "ConsentRecord": {
        "representative_name": "identity",
        "representative_mandate": "identity",
        "notes": "contact_history",
    },
    "ConsentRequest": {
        "representative_name": "identity",
        "representative_mandate": "identity",
        "representative_email": "contact",
        "representative_phone": "contact",
        "notes": "contact_history",
    },
    "ContactCorrection": {"value": "contact"},
    "ContactAttempt": {
        "attempted_on": "contact_history",
        "channel": "contact_history",
        "outcome": "contact_history",
        "note": "contact_history",
    },
    "Decision": {
        "motivation": "identity",
        "withdrawn_reason": "identity",
        "tenant_heard_note": "identity",
    },
    "DecisionDissent": {"text": "identity"},
    "DecisionTimelineEntry": {"note": "identity"},
    "DecisionVote": {"motivation": "identity"},
    "EmergencyAccess": {"motivation": "emergency", "review_note": "emergency"},
    "CourtFile": {"pdf": "housing_fraud"},
    "FraudEntry": {"visitors": "housing_fraud", "text": "housing_fraud"},
    "FraudInvestigation": {
        "grounds": "housing_fraud",
        "outcome_motivation": "housing_fraud",
        "subtenant_surname": "subtenant",
        "subtenant_initials": "subtenant",
        "subtenant_phone": "subtenant",
        "subtenant_email": "subtenant",
        "subtenant_note": "subtenant",
    },
    "Finances": {
        "income_source": "finances",
        "income_cents": "finances",
        "debts_cents": "finances",
        "debts_note": "finances",
        "debt_support": "finances",
    },
    "ItemCheck": {"note": "identity"},
    "Letter": {
        "sent_on": "contact_history",
        "kind": "contact_history",
        "points_to_help": "contact_history",
        "data_offer": "contact_history",
        "note": "contact_history",
    },
    "LifeMapEntry": {"status": "life_map", "note": "life_map"},
    "MeetingAgreement": {"text": "case_meeting"},
    "MeetingItem": {
        "topic": "case_meeting",
        "tenant_answer": "case_meeting",
        "minutes": "case_meeting",
    },
    "NuisanceAgreement": {
        "made_on": "nuisance",
        "text": "nuisance",
        "until": "nuisance",
        "status": "nuisance",
    },
    "NuisanceReport": {
        "reported_on": "nuisance",
        "kind": "nuisance",
        "source": "nuisance",
        "description": "nuisance",
        "reporter_name": "reporter",
        "reporter_contact": "reporter",
    },
    "Objection": {"note": "contact_history"},
    "OutboxMessage": {"to_address": "contact", "body": "contact"},
    "Person": {
        "surname": "identity",
        "initials": "identity",
        "birth_date": "identity",
        "bsn": "identity",
        "phone": "contact",
        "email": "contact",
        "street": "contact",
        "house_number": "contact",
        "postcode": "contact",
        "city": "contact",
        "relation": "household",
        "minor": "household",
    },
    "PreventionConfirmation": {"motivation": "identity"},
    "Referral": {"note": "identity"},
    "ShelterItem": {"note": "shelter"},
    "ConditionReview": {"note": "identity"},
    "TrajectoryCondition": {"what": "identity"},
    "TrajectoryEnd": {"motivation": "identity"},
    "ReferralEvent": {"reason": "identity"},
    "Signal": {"arrears_cents": "arrears", "arrears_months": "arrears"},
    "SignalReport": {"amount_cents": "arrears"},
    "TenantMandate": {
        "kind": "identity",
        "name": "identity",
        "since": "identity",
        "evidence": "identity",
        "phone": "contact",
        "email": "contact",
    },
    "TenantSay": {"text": "tenant_input", "answer": "tenant_input"},
    "Trajectory": {
        "conditions": "identity",
        "support_agreement": "identity",
        "tenancy_note": "identity",
    },
}


def expected_category(row: Any, name: str) -> str:
    model = type(row).__name__
    if model == "Attachment":  # a file falls in the category of what it belongs to
        return row.category
    assert name in REGISTER.get(model, {}), f"write what {model}.{name} means in REGISTER"
    if model == "Person" and not row.is_main_tenant:
        return "household"
    return REGISTER[model][name]


def _models() -> list[type]:
    return sorted(
        (m.class_ for m in Base.registry.mappers if encrypted_columns(m.class_)),
        key=lambda cls: cls.__name__,
    )


#: A partner's own administration of its work on another organisation's case: only the
#: recording organisation reads it (``portal.sharing.reveal_recorded``), whatever the
#: covenant's package. The sweep leaves these rows their real values; the early-signal tests
#: (``tests/earlysignal/test_feedback.py``) walk every URL as the sender with canaries in them.
RECORDER_ONLY = {"EarlySignal", "SignalContactAttempt", "ShelterItem"}
#: The owner's own workflow on a case: a tenant's correction of her contact details waits for
#: the owner alone to confirm it. Partners never see it, so the completeness check (the
#: package travels whole) leaves its canaries out.
OWNER_ONLY = {"ContactCorrection"}

#: Every text canary written by the last ``fill_with_canaries``: canary -> (model, field,
#: case id), so a sweep can ask whose data and which field a trace on a page is.
WRITTEN: dict[str, tuple[str, str, int | None]] = {}


def fill_with_canaries(session) -> set[str]:
    """Overwrite every personal field of every row; returns the categories written.

    Consent rows are evidence and refuse any update (also in the database): they get their
    canaries when they are written (``give_consent``).
    """
    from consent.models import IMMUTABLE

    written: set[str] = set()
    WRITTEN.clear()
    counter = itertools.count(1)
    for model in _models():
        assert issubclass(model, EncryptedRow)
        if model in IMMUTABLE or model.__name__ in RECORDER_ONLY:
            continue
        for row in session.scalars(select(model)):
            for name, (column, kind) in encrypted_columns(model).items():
                category = expected_category(row, name)
                if model.__table__.c[column].info.get("choices"):
                    continue  # a code shown as its label: the row's free fields carry canaries
                value = _canary(model, name, kind, category, row, next(counter))
                if value is not _KEEP:
                    setattr(row, name, value)
                    written.add(category)
                    if isinstance(value, str) and TEXT.fullmatch(value):
                        WRITTEN[value] = (model.__name__, name, getattr(row, "case_id", None))
    session.flush()
    return written


_KEEP = object()


def canary(category: str, n: int) -> str:
    return f"kn{CODES[category]}{n % 1000:03d}q"


def _canary(model: type, name: str, kind: str, category: str, row: Any, n: int) -> Any:
    text = canary(category, n)
    if name == "bsn":
        return BSN
    if kind == "str":
        return text
    if kind == "bytes":  # a file is served as it came: the canary is its content
        return text.encode()
    if kind == "date":
        return date(YEARS[category], 11, 27) if category in YEARS else _KEEP
    if kind == "money":
        return MONEY_CENTS[category]
    if name == "minor":
        return True if not getattr(row, "is_main_tenant", True) else None
    return _KEEP  # other JSON values (counts of months): covered by the row's other fields


def seen_categories(text: str) -> dict[str, str]:
    """Category -> the first trace of it found in ``text``."""
    found: dict[str, str] = {}
    by_code = {code: category for category, code in CODES.items()}
    for match in TEXT.finditer(text):
        found.setdefault(by_code[match.group(1).lower()], match.group(0))
    by_year = {str(year): category for category, year in YEARS.items()}
    for match in DATE.finditer(text):
        around = text[max(0, match.start() - 16) : match.end() + 6]
        if DAY in around:
            found.setdefault(by_year[match.group(1)], around.strip())
    for category, pattern in MONEY.items():
        if money := pattern.search(text):
            found.setdefault(category, money.group(0))
    if BSN_SEEN.search(text):
        found.setdefault("identity", "BSN")
    if MINOR_WORD.search(text):
        found.setdefault("household", "minderjarig")
    return found


# --- what the covenant allows -------------------------------------------------------------------


def package(purpose: str, role: str) -> dict[str, str]:
    return COVENANT["purposes"][purpose]["sharing"].get(role, {})


def allowed(purpose: str, role: str, *, consent_valid: bool) -> frozenset[str]:
    return frozenset(
        category
        for category, basis in package(purpose, role).items()
        if basis != "consent" or consent_valid
    )


def partner_with(role: str) -> str:
    return next(slug for slug, p in COVENANT["partners"].items() if role in p["roles"])


LADDER_STEPS = [
    (purpose, rung, step["role"])
    for purpose, rules in COVENANT["purposes"].items()
    for rung, step in enumerate(rules.get("ladder", []))
]
STATES = ("referred", "consented", "withdrawn", "expired", "declined", "returned", "taken_back")


# --- walking the URL map ------------------------------------------------------------------------


@dataclass
class Ids:
    """The values the sweep substitutes for each URL argument."""

    values: dict[str, list[Any]] = field(default_factory=dict)

    def urls(self, app: Flask) -> list[str]:
        found = []
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            unknown = set(rule.arguments) - set(self.values)
            assert not unknown, f"teach the sweep the URL argument(s) {unknown} of {rule.rule}"
            names = sorted(rule.arguments)
            for combo in itertools.product(*(self.values[n] for n in names)):
                with app.test_request_context():
                    found.append(url_for(rule.endpoint, **dict(zip(names, combo, strict=True))))
        return found


def ids_of(session, case) -> Ids:
    from consent.models import (
        ConsentAcknowledgement,
        ConsentEvent,
        ConsentRecord,
        ConsentRequest,
    )
    from handover.conditions.models import TrajectoryCondition
    from handover.decisions.models import Decision, Trajectory
    from handover.fraud.models import FraudInvestigation
    from handover.meetings.models import CaseMeeting, MeetingAgreement, MeetingGuest, MeetingItem
    from handover.models import Referral
    from handover.shelter.models import ShelterHandover
    from portal.attachments.models import Attachment
    from portal.cases.models import ContactCorrection, TenantMandate, TenantSay
    from portal.cases.models.groundwork import Agreement, ContactAttempt, Letter
    from portal.cases.views.common import SECTIONS

    def all_ids(model) -> list[int]:
        return list(session.scalars(select(model.id))) or [1]

    items = all_ids(ContactAttempt) + all_ids(Agreement) + all_ids(Letter)
    items += all_ids(TenantSay) + all_ids(TenantMandate) + all_ids(ContactCorrection)

    records = list(session.scalars(select(ConsentRecord)))
    return Ids(
        {
            "case_id": [case.id],
            "person_id": [p.id for p in case.persons],
            "item_id": items,
            "section": list(SECTIONS),
            "referral_id": all_ids(Referral),
            "decision_id": all_ids(Decision),
            "access_id": all_ids(EmergencyAccess),
            "meeting_id": all_ids(CaseMeeting),
            "agenda_id": all_ids(MeetingItem),
            "guest_id": all_ids(MeetingGuest),
            "agreement_id": all_ids(MeetingAgreement),
            "investigation_id": all_ids(FraudInvestigation),
            "version": [1],
            "handover_id": all_ids(ShelterHandover),
            "trajectory_id": all_ids(Trajectory),
            "condition_id": all_ids(TrajectoryCondition),
            "attachment_id": all_ids(Attachment),
            "record_id": [r.id for r in records] or [1],
            "receipt_id": [r.receipt_id for r in records if r.receipt_id] or ["x"],
            "request_id": all_ids(ConsentRequest),
            "ack_id": all_ids(ConsentAcknowledgement),
            "event_id": all_ids(ConsentEvent),
            "job_id": [1],
            "number": [1],
            "token": ["x"],
            "lang": ["nl"],
            "slug": [OWNER],
        }
    )


def body_text(response) -> str:
    """The response as text: a PDF through pdftotext, and always the raw bytes too (an
    uploaded scan is served as it came)."""
    raw = response.get_data().decode("utf-8", "replace")
    if response.mimetype == "application/pdf":
        done = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True)
        return raw + done.stdout.decode("utf-8", "replace")
    return raw


@dataclass
class Seen:
    """What one account found: per URL the categories (with a trace), and every text canary."""

    by_url: dict[str, dict[str, str]] = field(default_factory=dict)
    canaries: set[str] = field(default_factory=set)

    def categories(self) -> set[str]:
        return set().union(*(set(found) for found in self.by_url.values()))


def sweep(signed_in: Callable[[], Any], urls: list[str]) -> Seen:
    """Every URL as a page and as an htmx fragment.

    Each URL gets a freshly signed-in browser (``signed_in``): a page that ends the session
    (the sign-in page starts a new one) must not hide the pages after it.
    """
    seen = Seen()
    for url in urls:
        client = signed_in()
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, f"{url} {headers}: {response.status_code}"
            if response.status_code in (401, 403, 404, 410):
                break  # refused: the fragment is refused the same way
            if response.status_code != 200:
                continue
            text = body_text(response)
            if found := seen_categories(text):
                seen.by_url.setdefault(url, {}).update(found)
            seen.canaries.update(m.group(0).lower() for m in TEXT.finditer(text))
    return seen


def assert_only(seen: Seen, may_see: frozenset[str], who: str) -> None:
    """Nothing of a category the account may not see, anywhere."""
    wrong = {
        url: {c: trace for c, trace in found.items() if c not in may_see}
        for url, found in seen.by_url.items()
    }
    wrong = {url: found for url, found in wrong.items() if found}
    assert not wrong, f"{who} saw categories the covenant does not allow: {wrong}"


def assert_complete(seen: Seen, owner: Seen, may_see: frozenset[str], who: str) -> None:
    """Everything of an allowed category that the owner's pages show, the recipient's pages
    show too: the package travels whole, so nobody redoes the work (and a field moved to a
    stricter category than it means is caught here)."""
    by_code = {code: category for category, code in CODES.items()}
    owner_only = {c for c, (model, _f, _case) in WRITTEN.items() if model in OWNER_ONLY}
    expected = {c for c in owner.canaries - owner_only if by_code[c[2:4]] in may_see}
    missing = sorted(expected - seen.canaries)
    assert not missing, f"{who} misses what the covenant allows: {missing}"


@pytest.fixture
def new_client(app, session):
    """Another browser, with the test client that reads CSRF tokens like a browser."""
    app.test_client_class = Client
    return app.test_client


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    case: Any
    owner: Any
    accounts: dict[str, Any]


@pytest.fixture
def build(session, demo_covenant, make_case, make_user):
    owner = make_user(OWNER)
    owner_actor = staff_actor(owner)

    def make(child: bool = True) -> Any:
        members = [
            PersonData(
                surname="Partner",
                initials="B.",
                birth_date=date(1982, 1, 2),
                relation="partner",
            ),
        ]
        if child:
            members.append(
                PersonData(
                    surname="Kind", initials="C.", birth_date=date(2016, 4, 5),
                    relation="child", minor=True,
                )
            )  # fmt: skip
        case = make_case(OWNER, bsn=BSN, members=tuple(members))
        groundwork.add_contact_attempt(
            session,
            owner_actor,
            case,
            groundwork.ContactAttemptData(local_today(), "phone", "not_reached", "Gebeld."),
        )
        groundwork.add_letter(
            session,
            owner_actor,
            case,
            groundwork.LetterData(local_today(), "reminder", True, True, "Herinnering."),
        )
        signalling.record_objection(session, owner_actor, case, note="Wil geen melding.")
        groundwork.add_agreement(
            session,
            owner_actor,
            case,
            groundwork.AgreementData(5_000, local_today(), "proposed", "Regeling."),
        )
        groundwork.save_finances(
            session,
            owner_actor,
            case,
            groundwork.FinancesData("wages", 150_000, 300_000, "Schulden.", "none"),
        )
        groundwork.save_life_map(
            session,
            owner_actor,
            case,
            {"finances": groundwork.LifeDomainData("worried", "Zorgen.")},
        )
        # A nuisance file: a neighbour's report (who reported stays with the owner) and an
        # agreement with the tenant.
        nuisance.add_report(
            session, owner_actor, case,
            nuisance.ReportData(local_today(), "noise", "neighbour", "Harde muziek.", "Buur",
                                "0612000000"),
        )  # fmt: skip
        nuisance.add_agreement(
            session, owner_actor, case, nuisance.AgreementData(local_today(), "Geen muziek.")
        )
        # A housing-fraud investigation (the owner's alone) with a house visit and a subtenant
        # (a third party's data: nobody else sees it, nor the tenant).
        investigation = fraud.open_investigation(
            session, owner_actor, case, suspicion="sublet", opened_on=local_today(),
            grounds="Melding van buren.",
        )  # fmt: skip
        fraud.add_entry(
            session, owner_actor, investigation, kind="house_visit", happened_on=local_today(),
            visitors="Bezoekers", text="Ander gezin.",
        )  # fmt: skip
        fraud.record_subtenant(
            session, owner_actor, investigation, surname="Onder", initials="O.",
            phone="0612999999", email="onder@example.org", note="Zorgen.",
        )  # fmt: skip
        # The tenant's own part: a question (answered), a new number, a representative.
        tenant = Actor(kind="tenant", person_id=case.persons[0].id)
        say = tenant_input.add_say(session, tenant, case, kind="question", text="Wanneer?")
        tenant_input.answer_say(session, owner_actor, say, "Morgen.")
        tenant_input.propose_correction(session, tenant, case, field="phone", value="0612345679")
        mandates.record_mandate(
            session, owner_actor, case,
            mandates.MandateData(
                person_id=case.persons[0].id, kind="bewindvoerder", name="Bewind",
                since=date(2026, 1, 5), evidence="C/16/1", phone="0611223344",
                email="bewind@example.org",
            ),
        )  # fmt: skip
        attachments.add(
            session, owner_actor, case, subject="sweep:1", category="contact_history",
            data=pdf_bytes(), filename="brief.pdf", description="Brief.",
        )  # fmt: skip
        return case

    return owner, owner_actor, make


def give_consent(session, owner_actor, case, purpose, role, org_id, *, days_ago=0):
    categories = [c for c, basis in package(purpose, role).items() if basis == "consent"]
    if not categories:
        return None
    (record,) = consent.record_offline(
        session,
        owner_actor,
        case,
        person_id=case.persons[0].id,
        purpose=purpose,
        items=[{"role": role, "organisation_id": org_id, "categories": categories}],
        method="paper",
        language="nl",
        valid_days=90,
        representative=consent.Representative(
            name=canary("identity", 901),
            mandate="mentor",
            email=f"{canary('contact', 902)}@example.org",
            phone="0612345678",
        ),
        notes=canary("contact_history", 903),
        evidence=consent.Evidence(
            f"%PDF-1.4 {canary('identity', 904)}".encode(), "application/pdf"
        ),
        now=utcnow() - timedelta(days=days_ago),
    ).records
    return record


@pytest.fixture
def as_user(app, session, new_client, login, make_user) -> Callable[[Any], Callable[[], Any]]:
    """``as_user(user)``: a browser signed in as ``user`` that, for a caseworker, also sends
    the bearer token of a partner system of the user's organisation with every scope, so the
    sweep reads the API's answers (``/api/v1``) as it reads the pages."""
    from portal.api.models import SCOPES
    from portal.api.service import clients

    tokens: dict[int, str] = {}

    def token_for(user) -> str:
        if user.organisation_id not in tokens:
            admin = staff_actor(make_user(user.organisation.slug, ("org_admin",)))
            client, secret = clients.register_client(session, admin, name="Sweep", scopes=SCOPES)
            session.commit()
            answer = new_client().post(
                "/api/v1/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client.client_id, secret),
            )
            tokens[user.organisation_id] = answer.get_json()["access_token"]
        return tokens[user.organisation_id]

    def signed_in_as(user) -> Callable[[], Any]:
        def open_browser():
            browser = login(new_client(), user)
            if set(user.roles) & set(CASEWORK):
                browser.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(user)}"
            return browser

        return open_browser

    return signed_in_as


def accounts_of(make_user, slug: str) -> dict[str, Any]:
    return {"caseworker": make_user(slug, CASEWORK), "admin+auditor": make_user(slug, NO_CASEWORK)}


def outsider_slug(*involved: str) -> str:
    return next(slug for slug in COVENANT["partners"] if slug not in {OWNER, *involved})


# --- the sweep ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    ("purpose", "rung", "role"), LADDER_STEPS, ids=[f"{p}-{r}" for p, _n, r in LADDER_STEPS]
)
def test_a_recipient_sees_only_what_the_covenant_allows(
    app, session, build, make_user, new_client, login, purpose, rung, role, state, as_user
):
    owner_user, owner_actor, make = build
    case = make()
    slug = partner_with(role)
    recipient = accounts_of(make_user, slug)
    org_id = recipient["caseworker"].organisation_id
    recipient_actor = staff_actor(recipient["caseworker"])

    record = None
    if state in ("consented", "withdrawn", "declined", "returned", "taken_back"):
        record = give_consent(session, owner_actor, case, purpose, role, org_id)
    if state == "expired":
        record = give_consent(session, owner_actor, case, purpose, role, org_id, days_ago=91)
        consent.expire_due(session, consent.IDENTITY_ACTOR)
    referral = handover.send(
        session, owner_actor, case, purpose=purpose, recipient_org_id=org_id, note="Graag.",
        rung=rung,
    )  # fmt: skip
    if state == "withdrawn" and record is not None:
        consent.withdraw(session, owner_actor, record, method="paper")
    if state == "declined":
        handover.decline(session, recipient_actor, referral, "Past niet.", version=None)
    if state == "returned":
        handover.accept(session, recipient_actor, referral, version=None)
        handover.return_to_sender(session, recipient_actor, referral, "Geen contact.", version=None)
    if state == "taken_back":
        handover.withdraw(session, owner_actor, referral, "Verkeerd.", version=None)
    fill_with_canaries(session)
    session.commit()

    active = state in ("referred", "consented", "withdrawn", "expired")
    may_see = allowed(purpose, role, consent_valid=state == "consented") if active else frozenset()
    urls = ids_of(session, case).urls(app)
    owner = sweep(as_user(owner_user), urls) if active else Seen()
    for name, user in recipient.items():
        who = f"{slug} {name} ({purpose}, {role}, {state})"
        found = sweep(as_user(user), urls)
        assert_only(found, may_see if name == "caseworker" else frozenset(), who)
        if name == "caseworker":
            assert_complete(found, owner, may_see, who)
            # The partner system's answer was read and judged like the pages.
            api_read = {u for u in found.by_url if u.startswith(f"/api/v1/referrals/{referral.id}")}
            assert api_read or not {"identity", "contact"} & may_see, f"{who}: API not swept"
    outsider = make_user(outsider_slug(slug), CASEWORK)
    found = sweep(as_user(outsider), urls)
    assert_only(found, frozenset(), f"an organisation without a grant ({state})")
    assert_only(sweep(new_client, urls), frozenset(), f"someone not signed in ({state})")


def test_consent_without_a_referral_lets_nobody_in(
    app, session, build, make_user, new_client, login, as_user
):
    """The tenant said yes to every recipient, but nobody referred the case."""
    _owner, owner_actor, make = build
    case = make()
    for purpose, _rung, role in LADDER_STEPS:
        give_consent(
            session, owner_actor, case, purpose, role,
            make_user(partner_with(role)).organisation_id,
        )  # fmt: skip
    fill_with_canaries(session)
    session.commit()
    urls = ids_of(session, case).urls(app)
    for slug in sorted({partner_with(role) for _p, _n, role in LADDER_STEPS}):
        signed_in = as_user(make_user(slug, CASEWORK))
        assert_only(sweep(signed_in, urls), frozenset(), f"{slug} with consent but no referral")
        for url in urls:
            assert case.reference not in signed_in().get(url).get_data(as_text=True), url


def test_a_voter_sees_only_its_role_package_of_the_decision(
    app, session, build, make_user, new_client, login, as_user
):
    """A joint eviction decision opens the case to each required voter, for its role."""
    from tests.decisions.conftest import ready_to_vote

    owner, owner_actor, make = build
    case = make(child=True)
    people = {OWNER: (owner, owner_actor)}
    for slug in COVENANT["partners"]:
        if slug != OWNER:
            user = make_user(slug, CASEWORK)
            people[slug] = (user, staff_actor(user))
    decision = ready_to_vote(session, people, case)
    fill_with_canaries(session)
    session.commit()
    urls = ids_of(session, case).urls(app)
    voters = {v.organisation_id: v.roles for v in decision.voters}
    for slug, (user, _actor) in people.items():
        if slug == OWNER:
            continue
        roles = voters.get(user.organisation_id, [])
        may_see = frozenset().union(
            *(allowed(decision.purpose, role, consent_valid=False) for role in roles)
        )
        assert_only(sweep(as_user(user), urls), may_see, f"{slug} ({roles})")
    assert len(voters) >= 2, "the decision has no other voters: the sweep proves nothing"


def test_an_invited_partner_sees_its_case_meeting_package_until_the_item_closes(
    app, session, build, make_user, new_client, login, as_user
):
    """A case meeting opens the case to each partner the host invites, for its role under the
    covenant's case-meeting purpose, while the case is on the agenda; never who reported
    nuisance; a partner not invited sees nothing, and after the item is closed only a partner
    with an agreement still to do, and only the meeting's own words."""
    from handover.meetings import minutes as table
    from handover.meetings import service as meetings

    _owner, owner_actor, make = build
    case = make()
    meeting = meetings.plan(
        session, owner_actor, starts_at=utcnow() + timedelta(days=2), place="Zaal"
    )
    item = meetings.add_case(session, owner_actor, meeting, case)
    invited = {}
    for role in COVENANT["purposes"]["case_meeting"]["sharing"]:
        user = make_user(partner_with(role), CASEWORK)
        meetings.invite(session, owner_actor, item, user.organisation_id)
        invited[role] = user
    meetings.invite_tenant(session, owner_actor, item, "We praten over de klachten en hulp.")
    table.record_minutes(session, owner_actor, item, "Besproken.")
    table.add_agreement(
        session, owner_actor, item, text="Begeleiding.",
        organisation_id=invited["district_team"].organisation_id, due_on=local_today(),
    )  # fmt: skip
    fill_with_canaries(session)
    session.commit()
    urls = ids_of(session, case).urls(app)
    for role, user in invited.items():
        may_see = allowed("case_meeting", role, consent_valid=False)
        assert_only(sweep(as_user(user), urls), may_see, f"{role} invited to a case meeting")
    outsider = make_user(outsider_slug(*(partner_with(r) for r in invited)), CASEWORK)
    assert_only(sweep(as_user(outsider), urls), frozenset(), "a partner not invited")
    meetings.close_item(session, owner_actor, item)
    session.commit()
    police = invited["police"]
    assert_only(sweep(as_user(police), urls), frozenset(), "the police, after the item closed")
    # The district team still has an agreement to do: it keeps the meeting's own words only.
    team = invited["district_team"]
    still = allowed("case_meeting", "district_team", consent_valid=False) & {"case_meeting"}
    assert_only(sweep(as_user(team), urls), still, "the district team with an open agreement")


def test_the_shelter_point_sees_its_package_of_an_approved_eviction(
    app, session, build, make_user, new_client, login, as_user
):
    """An approved eviction refers the family to the shelter point: it sees the shelter
    purpose's package (who, how to reach them, who lives there) and nothing else; an
    organisation outside sees nothing, also not that a hand-over exists."""
    from handover.decisions import service as decisions
    from tests.decisions.conftest import ready_to_vote

    owner, owner_actor, make = build
    case = make(child=True)
    people = {OWNER: (owner, owner_actor)}
    for slug in COVENANT["partners"]:
        if slug != OWNER:
            user = make_user(slug, CASEWORK)
            people[slug] = (user, staff_actor(user))
    decision = ready_to_vote(session, people, case)
    fill_with_canaries(session)  # before the seal: a sealed record refuses every change
    for voter in list(decision.voters):
        actor = next(a for _u, a in people.values() if a.organisation_id == voter.organisation_id)
        decisions.cast_vote(session, actor, decision, position="agree", motivation="Eens, helaas.")
    assert decision.assignment is not None
    session.commit()
    urls = ids_of(session, case).urls(app)
    shelter = partner_with("shelter")
    may_see = allowed("shelter", "shelter", consent_valid=False)
    assert {"identity", "household"} <= may_see
    found = sweep(as_user(people[shelter][0]), urls)
    assert_only(found, may_see, "the shelter point")
    assert any("/opvang/" in url for url in found.by_url), "the hand-over page was not swept"
    outsider = make_user(outsider_slug(shelter, "crisisteam", "zorg"), CASEWORK)
    assert_only(sweep(as_user(outsider), urls), frozenset(), "an organisation without a grant")


def test_a_partner_following_a_condition_sees_the_trajectory_package_as_consent_allows(
    app, session, build, make_user, new_client, login, as_user
):
    """The owner gives a condition of a running last-chance trajectory to the debt coach: the
    coach sees the trajectory purpose's package for its role, as the tenant's consent allows
    (nothing without it); an organisation that follows no condition sees nothing."""
    from handover.conditions import service as conditions
    from handover.decisions import service as decisions
    from tests.decisions.conftest import ready_to_vote

    owner, owner_actor, make = build
    case = make(child=False)
    people = {OWNER: (owner, owner_actor)}
    for slug in COVENANT["partners"]:
        if slug != OWNER:
            user = make_user(slug, CASEWORK)
            people[slug] = (user, staff_actor(user))
    decision = ready_to_vote(session, people, case)
    fill_with_canaries(session)  # before the seal: a sealed record refuses every change
    for slug, position in ((OWNER, "abstain"), (partner_with("crisis_team"), "disagree")):
        decisions.cast_vote(
            session, people[slug][1], decision, position=position, motivation="Besproken."
        )
    trajectory = decision.trajectory
    assert trajectory is not None and trajectory.status == "active"
    coach, coach_actor = people[partner_with("debt_coach")]
    condition = conditions.add_condition(
        session, owner_actor, trajectory, what=canary("identity", 990),
        organisation_id=coach.organisation_id, interval_weeks=4, first_review_on=local_today(),
    )  # fmt: skip
    conditions.record_review(
        session, coach_actor, condition, result="breached", note=canary("identity", 991)
    )
    session.commit()
    urls = ids_of(session, case).urls(app)
    purpose = COVENANT["decisions"][trajectory.kind]["purpose"]
    found = sweep(as_user(coach), urls)
    assert_only(found, allowed(purpose, "debt_coach", consent_valid=False), "the coach")
    give_consent(session, owner_actor, case, purpose, "debt_coach", coach.organisation_id)
    session.commit()
    may_see = allowed(purpose, "debt_coach", consent_valid=True)
    found = sweep(as_user(coach), urls)
    assert_only(found, may_see, "the coach with consent")
    assert {canary("identity", 990), canary("identity", 991)} <= found.canaries
    outsider = make_user(outsider_slug(partner_with("debt_coach"), "crisisteam", "zorg"), CASEWORK)
    assert_only(sweep(as_user(outsider), urls), frozenset(), "an organisation following nothing")


def test_emergency_access_shows_its_package_until_it_ends(
    app, session, build, make_user, new_client, login, as_user
):
    """The crisis team opens a case nobody referred to it: it sees the emergency purpose's
    package and nothing else, the owner's privacy officer sees the stated reason, nobody
    else sees anything, and once the hours have passed the team sees nothing either."""
    from handover.emergency import service as emergency

    owner, _owner_actor, make = build
    case = make()
    team = accounts_of(make_user, "crisisteam")
    emergency.open_access(
        session,
        staff_actor(team["caseworker"]),
        by="bsn",
        values=(BSN,),
        reason="danger_to_life",
        motivation="Dreigt zichzelf iets aan te doen, buren bellen.",
    )
    fill_with_canaries(session)
    session.commit()
    urls = ids_of(session, case).urls(app)
    may_see = allowed("emergency_access", "crisis_team", consent_valid=False)
    assert may_see, "the covenant's emergency purpose shares nothing: the sweep proves nothing"
    found = sweep(as_user(team["caseworker"]), urls)
    assert_only(found, may_see, "the crisis team under emergency access")
    # Compared with the owner's pages except its own edit forms of household members (the
    # only place a member's phone and e-mail appear; no partner page shows them, whatever
    # the package).
    owner_pages = [url for url in urls if "/huishouden/" not in url]
    assert_complete(found, sweep(as_user(owner), owner_pages), may_see, "the crisis team")
    assert_only(sweep(as_user(team["admin+auditor"]), urls), frozenset(), "its auditor")
    officer = sweep(as_user(make_user(OWNER, NO_CASEWORK)), urls)
    assert_only(officer, frozenset({"emergency"}), "the owner's privacy officer")
    assert "emergency" in officer.categories(), "the reason is never shown for review"
    outsider = make_user(outsider_slug("crisisteam"), CASEWORK)
    assert_only(sweep(as_user(outsider), urls), frozenset(), "an organisation without access")

    session.execute(  # the clock moves past the covenant's hours; no job has run
        update(EmergencyAccess).values(expires_at=utcnow() - timedelta(minutes=1))
    )
    session.execute(update(CaseGrant).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert_only(sweep(as_user(team["caseworker"]), urls), frozenset(), "the team, after")


def test_the_owner_sees_every_canary(app, session, build, make_user, new_client, login, as_user):
    """The sweep's own check: every category written is found on the owner's pages (so a
    canary that no page can show, or a pattern that finds nothing, fails here)."""
    owner, _owner_actor, make = build
    case = make()
    written = fill_with_canaries(session)
    session.commit()
    seen = sweep(as_user(owner), ids_of(session, case).urls(app))
    assert written <= seen.categories(), f"never shown to the owner: {written - seen.categories()}"


def test_an_organisation_without_a_grant_cannot_find_the_case(
    app, session, build, make_user, new_client, login
):
    """Search by reference, BSN and address, and its own intake for the same tenant."""
    _owner, _owner_actor, make = build
    case = make()
    session.commit()
    outsider = login(new_client(), make_user("zorg", CASEWORK))
    person = case.persons[0]
    for term in (case.reference, BSN, "1234 AB 12"):
        page = outsider.post_form("/casussen/zoeken", {"term": term}).get_data(as_text=True)
        page = re.sub(r'value="[^"]*"', "", page)  # the term typed, shown back in its field
        assert case.reference not in page, term
        assert not seen_categories(page), term
    assert person.id  # the main tenant exists; the outsider's intake must not reveal it
    intake = outsider.post_form(
        "/casussen/nieuw",
        {
            "surname": "Jansen",
            "initials": "A.",
            "birth_date": "17-05-1980",
            "bsn": BSN,
            "arrears_amount": "100",
            "arrears_months": "2",
        },
    )
    assert case.reference not in intake.get_data(as_text=True)
    if intake.status_code in (301, 302, 303):
        assert case.reference not in outsider.get(intake.headers["Location"]).get_data(as_text=True)


# --- the tenant's side ------------------------------------------------------------------------

#: What partners write about a household for each other: never shown to the tenant herself
#: (she may ask the organisation for it; "my data" says so). Every other field of her own case
#: is hers to read, but of the other members of her household only their names.
INTERNAL = {
    ("Agreement", "note"),
    ("ContactAttempt", "note"),
    ("Decision", "motivation"),
    ("Decision", "tenant_heard_note"),
    ("Decision", "withdrawn_reason"),
    ("DecisionDissent", "text"),
    ("DecisionTimelineEntry", "note"),
    ("DecisionVote", "motivation"),
    ("EmergencyAccess", "motivation"),
    ("EmergencyAccess", "review_note"),
    ("Finances", "debts_note"),
    ("ItemCheck", "note"),
    ("Letter", "note"),
    ("LifeMapEntry", "note"),
    # The minutes and agreements of a case meeting are the partners' (she reads the topic).
    ("MeetingAgreement", "text"),
    ("MeetingItem", "minutes"),
    # Who reported nuisance is someone else's data (GDPR art. 15(4)); what happened is the
    # caseworker's account of it, a working note like the others.
    ("NuisanceReport", "description"),
    ("NuisanceReport", "reporter_contact"),
    ("NuisanceReport", "reporter_name"),
    ("Objection", "note"),
    ("OutboxMessage", "body"),
    ("OutboxMessage", "to_address"),
    ("PreventionConfirmation", "motivation"),
    ("Referral", "note"),
    ("ReferralEvent", "reason"),
    ("TenantMandate", "evidence"),
}
OTHER_MEMBER_SHOWN = {"initials", "surname"}


def tenant_browser(new_client, person_id: int) -> Callable[[], Any]:
    """A browser of the tenant who proved to be ``person_id`` (as the code or DigiD does)."""
    from consent import tenant

    def open_browser():
        browser = new_client()
        browser.get("/")
        now = int(utcnow().timestamp())
        with browser.session_transaction() as sess:
            sess[tenant.TENANT_KEY] = {"pids": [person_id], "at": now, "seen": now}
        return browser

    return open_browser


def test_a_tenant_sees_her_own_case_and_nothing_else(
    app, session, build, make_user, new_client, as_user
):
    """Walk every GET route as the tenant of one household while another household's case,
    referral, consent and decision exist: she sees her own data and her own words, never a
    partner's internal notes, never her household members' private details, never the other
    household. As her representative too (the same session, under a mandate)."""
    from tests.decisions.conftest import ready_to_vote

    owner, owner_actor, make = build
    mine, theirs = make(child=True), make(child=True)
    people = {OWNER: (owner, owner_actor)}
    for slug in COVENANT["partners"]:
        if slug != OWNER:
            user = make_user(slug, CASEWORK)
            people[slug] = (user, staff_actor(user))
    for case in (mine, theirs):
        coach = people[partner_with("debt_coach")][0]
        handover.send(
            session, owner_actor, case, purpose="debt_help",
            recipient_org_id=coach.organisation_id, note="Graag.",
        )  # fmt: skip
        welfare = people[partner_with("welfare")][0]
        give_consent(session, owner_actor, case, "debt_help", "welfare", welfare.organisation_id)
        ready_to_vote(session, people, case)
    fill_with_canaries(session)
    session.commit()
    ids = ids_of(session, mine)
    other = ids_of(session, theirs)
    ids.values["case_id"] += other.values["case_id"]
    ids.values["person_id"] += other.values["person_id"]
    urls = ids.urls(app)

    forbidden = {}
    for text, (model, name, case_id) in WRITTEN.items():
        if case_id == theirs.id:
            forbidden[text] = f"the other household's {model}.{name}"
        elif (model, name) in INTERNAL:
            forbidden[text] = f"a partner's {model}.{name}"
    for person in mine.persons[1:]:
        for text, (model, name, _case) in WRITTEN.items():
            if model == "Person" and name not in OTHER_MEMBER_SHOWN and _is(person, name, text):
                forbidden[text] = f"a household member's {name}"
    seen = sweep(tenant_browser(new_client, mine.persons[0].id), urls)
    leaked = {c: forbidden[c] for c in seen.canaries if c in forbidden}
    assert not leaked, f"the tenant saw: {leaked}"
    own_words = {c for c, (model, _n, case_id) in WRITTEN.items() if model == "TenantSay"}
    assert own_words & seen.canaries, "her own words and the answer are not on her pages"
    assert {"/mijn-zaak", "/mijn-gegevens", "/mijn-gegevens.json"} <= set(seen.by_url)


def _is(person, name: str, text: str) -> bool:
    from portal.crypto.fields import decrypt_field

    return decrypt_field(person, name) == text
