"""The demo's nuisance file: the fictional Kramer household, where noise and threats have
gone on for months. A neighbour reported it (her name and number recorded, seen by the
corporation only), the police and the corporation's own caretaker too; one agreement was
kept and one broken; the social district team and the police are involved by referral.
Seeded through the services, like the other demo rooms, so it is what real use leaves."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.nuisance import service
from handover.nuisance.models import NuisanceReport
from portal.accounts.models import Organisation, User
from portal.actor import Actor, staff_actor
from portal.cases import groundwork
from portal.cases.models import Case
from portal.cases.service import PersonData, create_case, find_cases_by_bsn
from portal.covenant.rules import active_version
from portal.workdays import local_today

#: The fictional Kramer household (elfproef-valid, not a real person's number).
BSN = "231451003"
OWNER = "sanne@corporatie.example"
TEAM = "noor@wijkteam.example"
POLICE = "rob@politie.example"


def _actor(session: Session, email: str) -> Actor | None:
    user = session.scalar(select(User).where(User.email == email))
    return staff_actor(user, label="demo") if user is not None else None


def household(session: Session) -> Case | None:
    """The Kramer household's open case, if the demo made it."""
    sanne = _actor(session, OWNER)
    if sanne is None:
        return None
    found = [c for c in find_cases_by_bsn(session, sanne, BSN) if c.status != "closed"]
    return found[0] if found else None


def load(session: Session) -> Case | None:
    """Create the nuisance file unless one exists (idempotent); the household's case."""
    if active_version(session) is None:
        return None
    if session.scalar(select(NuisanceReport.id).limit(1)) is not None:
        return household(session)
    sanne, noor, rob = (_actor(session, e) for e in (OWNER, TEAM, POLICE))
    corporation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
    if sanne is None or noor is None or rob is None or corporation is None:
        return None
    today = local_today()
    case = create_case(
        session,
        sanne,
        corporation,
        [
            PersonData(
                surname="Kramer",
                initials="R.",
                birth_date=date(1979, 9, 3),
                bsn=BSN,
                phone="06 48765432",
                street="Populierstraat",
                house_number="21",
                postcode="1235 EF",
                city="Demostad",
                is_main_tenant=True,
            ),
            PersonData(
                surname="Kramer",
                initials="T.",
                birth_date=date(2011, 3, 18),
                minor=True,
                relation="child",
            ),
        ],
        signal_kinds=["nuisance"],
    )
    groundwork.save_life_map(
        session,
        sanne,
        case,
        {
            "housing": groundwork.LifeDomainData("acute", "Klachten van buren; waarschuwing."),
            "health": groundwork.LifeDomainData("worried", "Slaapt slecht, sinds de scheiding."),
            "finances": groundwork.LifeDomainData("attention", "Huur loopt, kleine schulden."),
            "family": groundwork.LifeDomainData("attention", "Zoon van 15 woont thuis."),
            "social_network": groundwork.LifeDomainData("worried", "Weinig contact buiten huis."),
        },
    )
    reports = (
        (70, "noise", "neighbour", "Harde muziek tot diep in de nacht, meerdere keren per week.",
         "H. Jansen (bovenbuurvrouw)", "06 12398765"),
        (45, "threats", "police", "Ruzie in het trappenhuis; de wijkagent kwam langs en maakte "
         "een mutatie op.", None, None),
        (20, "noise", "own_observation", "De huismeester hoorde om 23.30 uur harde muziek en "
         "bonken in de woning.", None, None),
    )  # fmt: skip
    for days, kind, source, what, name, contact in reports:
        service.add_report(
            session, sanne, case,
            service.ReportData(today - timedelta(days=days), kind, source, what, name, contact),
        )  # fmt: skip
    kept = service.add_agreement(
        session, sanne, case,
        service.AgreementData(today - timedelta(days=60),
                              "Na 22.00 uur geen muziek meer in huis.", today - timedelta(days=30)),
    )  # fmt: skip
    service.settle(session, sanne, kept, "kept")
    broken = service.add_agreement(
        session, sanne, case,
        service.AgreementData(today - timedelta(days=40),
                              "Geen ruzie met de buren; bij onenigheid belt u de huismeester.",
                              today - timedelta(days=10)),
    )  # fmt: skip
    service.settle(session, sanne, broken, "broken")
    for rung, partner, note in (
        (0, noor, "Veel overlast en zorgen om meneer; graag samen optrekken."),
        (1, rob, "Ter informatie bij de aanpak van de overlast."),
    ):
        assert partner.organisation_id is not None
        referral = referrals.send(
            session, sanne, case, purpose=service.PURPOSE,
            recipient_org_id=partner.organisation_id, note=note, rung=rung,
        )  # fmt: skip
        referrals.accept(session, partner, referral, version=None)
    return case
