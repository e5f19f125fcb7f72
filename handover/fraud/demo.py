"""The demo's housing-fraud investigation: the fictional Brouwer household is suspected of
subletting its home. A neighbour's report, a house visit that found someone else living there,
two pieces of evidence (a utility company's letter as a PDF and a photograph of the letter
box, both generated here), the tenant's response, the outcome "court procedure", the
subtenant referred for debt help, and the sealed court file.

Seeded through the services, back-dated, so the history and the audit log read like real
work. Idempotent: nothing happens once the household has an investigation.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.fraud import courtfile, service, subtenant
from handover.fraud.models import FraudInvestigation
from portal.accounts.models import Organisation, User
from portal.actor import staff_actor
from portal.cases.models import Case
from portal.cases.service import PersonData, create_case, find_cases_by_bsn
from portal.covenant.rules import active_version
from portal.workdays import local_today

#: The fictional Brouwer household (a BSN that passes the elfproef, a made-up address).
BSN = "231456803"
CASEWORKER = "sanne@corporatie.example"


def _tenant() -> PersonData:
    return PersonData(
        surname="Brouwer",
        initials="T.",
        birth_date=date(1971, 8, 19),
        bsn=BSN,
        street="Lindelaan",
        house_number="14",
        postcode="1234 AK",
        city="Demostad",
        phone="06 34567890",
        is_main_tenant=True,
    )


def utility_letter() -> bytes:
    """A one-page PDF: a (fictional) energy company's yearly statement for the address."""
    from weasyprint import HTML

    html = (
        "<html lang='nl'><body style='font-family: DejaVu Sans; font-size: 11pt'>"
        "<h1>Energie Demostad</h1><p>Jaaroverzicht 2026, Lindelaan 14, Demostad</p>"
        "<p>Verbruik: 3.950 kWh stroom, 1.420 m³ gas (gemiddeld voor 3 personen).</p>"
        "<p>Contractant sinds 1 maart 2026: R. Pietersen.</p></body></html>"
    )
    return bytes(HTML(string=html).write_pdf())


def letter_box_photo() -> bytes:
    """A PNG standing in for a photograph of the letter box with two names on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (214, 204, 186))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 80, 420, 240), fill=(60, 60, 64), outline=(20, 20, 20), width=4)
    draw.rectangle((110, 140, 370, 160), fill=(20, 20, 20))
    draw.rectangle((140, 190, 340, 226), fill=(245, 245, 240))
    draw.text((150, 198), "Pietersen / Brouwer", fill=(10, 10, 10))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def load(session: Session) -> FraudInvestigation | None:
    if active_version(session) is None:
        return None
    user = session.scalar(select(User).where(User.email == CASEWORKER))
    if user is None:
        return None
    actor = staff_actor(user, label="demo")
    found = find_cases_by_bsn(session, actor, BSN)
    if found:
        existing = session.scalar(
            select(FraudInvestigation).where(FraudInvestigation.case_id == found[0].id)
        )
        if existing is not None:
            return existing
    case = found[0] if found else _case(session, actor, user)
    today = local_today()
    started = today - timedelta(days=45)
    investigation = service.open_investigation(
        session, actor, case, suspicion="sublet", opened_on=started,
        grounds="Buren melden dat de huurder al maanden niet meer thuis komt en dat er een "
        "ander gezin woont. Het energieverbruik past niet bij een alleenstaande.",
    )  # fmt: skip
    service.add_entry(
        session, actor, investigation, kind="finding", happened_on=started + timedelta(days=3),
        text="In de gemeentelijke basisregistratie staat de huurder sinds maart ingeschreven "
        "op een adres in Overstad. Op dit adres staat niemand ingeschreven.",
    )  # fmt: skip
    service.add_entry(
        session, actor, investigation, kind="house_visit", happened_on=started + timedelta(days=10),
        visitors="S. de Vries (bewonersconsulent), M. Koster (woonfraudeonderzoeker)",
        text="Mevrouw R. Pietersen deed open. Zij woont hier sinds maart met haar zoon en "
        "betaalt € 1.100 per maand contant aan de huurder. Op de brievenbus twee namen. "
        "Kleding en spullen van de huurder waren er niet.",
    )  # fmt: skip
    service.add_evidence(
        session, actor, investigation, data=utility_letter(), filename="jaaroverzicht-energie.pdf",
        description="Jaaroverzicht van de energieleverancier op naam van de onderhuurder.",
    )  # fmt: skip
    service.add_evidence(
        session, actor, investigation, data=letter_box_photo(), filename="brievenbus.png",
        description="Foto van de brievenbus bij het huisbezoek.",
    )  # fmt: skip
    service.add_entry(
        session, actor, investigation, kind="tenant_response",
        happened_on=started + timedelta(days=24),
        text="De huurder schrijft dat mevrouw Pietersen een kennis is die tijdelijk 'oppast'. "
        "Hij ontkent dat hij huur ontvangt, maar kan niet zeggen waar hij zelf woont.",
    )  # fmt: skip
    service.record_subtenant(
        session, actor, investigation, surname="Pietersen", initials="R.",
        phone="06 45678901", email="r.pietersen@example.org",
        note="Woont er met haar zoon van 9. Heeft geen ander adres en maakt zich zorgen over "
        "de betaalde huur.",
    )  # fmt: skip
    subtenant.refer_subtenant(
        session, actor, investigation, purpose="debt_help",
        recipient_org_id=_org(session, "schuldhulp"),
        note="Onderhuurder bij woonfraude; betaalde contant huur aan de huurder en dreigt haar "
        "woonplek kwijt te raken.",
    )  # fmt: skip
    service.record_outcome(
        session, actor, investigation, outcome="court_procedure",
        decided_on=started + timedelta(days=38),
        motivation="Onderhuur is aangetoond met het huisbezoek, de inschrijving en het "
        "energiecontract. De huurder weigert de huur op te zeggen: wij vragen de kantonrechter "
        "de huur te ontbinden.",
    )  # fmt: skip
    organisation = session.get_one(Organisation, case.organisation_id)
    courtfile.assemble(
        session, actor, investigation, by_name=user.display_name,
        organisation_name=organisation.name,
    )  # fmt: skip
    return investigation


def _org(session: Session, slug: str) -> int:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    assert org is not None
    return org.id


def _case(session: Session, actor, user: User) -> Case:
    organisation = session.get_one(Organisation, user.organisation_id)
    return create_case(
        session, actor, organisation, [_tenant()], signal_kinds=("housing_fraud",),
        signal_date=local_today() - timedelta(days=50),
    )  # fmt: skip
