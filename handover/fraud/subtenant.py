"""The subtenant as a victim: a case of their own, referred for help.

Someone who rented a room or a whole home from the tenant often loses it when the sublet
comes to light, and may have paid far more than the rent. With one action the corporation
opens a case for the subtenant's household (the subtenant as its main tenant, at the home's
address, reachable as recorded) and offers it for help through the referral machinery
(``handover.service``): the purpose's first rung, the package the covenant and the
subtenant's own consent allow. In that case the subtenant is the data subject, so asking
their consent for what the package still misses works as for every referral. The
investigation links the case; what was known of the subtenant stays in the category
``subtenant`` of the tenant's case, which nobody else sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from handover import service as referrals
from handover.fraud.models import SUBTENANT, FraudInvestigation
from handover.fraud.policy import require_owner
from handover.models import Referral
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.cases.models import Case
from portal.cases.service import PersonData, create_case, require_not_erased
from portal.covenant.rules import NoActiveCovenant, active_covenant
from portal.crypto.fields import EncryptedRow
from portal.db import lock_row
from portal.errors import Conflict, DomainError
from portal.sharing import reveal

ADDRESS = ("street", "house_number", "postcode", "city")


@dataclass(frozen=True)
class Referred:
    """The subtenant's new case, and its referral when it could go at once (else the consent
    the package needs is asked first, on the referral page, as for every case)."""

    case: Case
    referral: Referral | None


@dataclass(frozen=True)
class HelpOption:
    purpose: str
    #: The purpose's name (a covenant text).
    name: Any
    organisation: Organisation
    #: What goes without the subtenant's consent (the covenant's statutory part).
    at_once: tuple[str, ...]

    @property
    def value(self) -> str:
        return f"{self.purpose}:{self.organisation.id}"


def help_options(session: Session) -> list[HelpOption]:
    """Where the subtenant can be referred: the first rung of each purpose with a ladder
    (the covenant's; not its early-signalling purpose, which reports rent arrears)."""
    try:
        covenant = active_covenant(session)
    except NoActiveCovenant:
        return []
    signalling = covenant.signalling.purpose if covenant.signalling is not None else None
    options: list[HelpOption] = []
    for code, purpose in covenant.purposes.items():
        if not purpose.ladder or code == signalling:
            continue
        role = purpose.ladder[0].role
        package = covenant.sharing_package(code, role)
        at_once = tuple(sorted(c for c, basis in package.items() if not basis.is_consent))
        slugs = covenant.partners_with_role(role)
        for org in session.scalars(
            select(Organisation).where(Organisation.slug.in_(slugs)).order_by(Organisation.name)
        ):
            options.append(HelpOption(code, purpose.name, org, at_once))
    return options


def refer_subtenant(
    session: Session,
    actor: Actor,
    investigation: FraudInvestigation,
    *,
    purpose: str,
    recipient_org_id: int,
    note: str | None,
) -> Referred:
    """Open the subtenant's case and refer it for help, in one transaction."""
    case = investigation.case
    require_owner(actor, case)
    require_not_erased(case)
    offered = {(o.purpose, o.organisation.id) for o in help_options(session)}
    if (purpose, recipient_org_id) not in offered:
        raise DomainError(_l("Kies waarvoor de onderhuurder hulp krijgt."), field="help")
    investigation = lock_row(session, investigation)
    if not investigation.subtenant_present:
        raise DomainError(_l("Leg eerst vast wie de onderhuurder is."))
    if investigation.subtenant_case_id is not None:
        raise Conflict(_l("De onderhuurder heeft al een eigen casus."))
    tenant = case.main_tenant
    known: list[tuple[EncryptedRow, tuple[str, ...]]] = [
        (
            investigation,
            ("subtenant_surname", "subtenant_initials", "subtenant_phone", "subtenant_email"),
        )
    ]
    if tenant is not None:
        known.append((tenant, ADDRESS))
    shown = reveal(session, actor, case, known, action="fraud.subtenant_case")
    if not shown.allowed(SUBTENANT):
        raise DomainError(_l("De gegevens van de onderhuurder zijn niet meer te lezen."))

    def value(obj: object | None, name: str) -> str | None:
        found = shown.get(obj, name) if obj is not None else None
        return found if isinstance(found, str) else None

    home = tenant  # the subtenant lives at the home's address
    person = PersonData(
        surname=value(investigation, "subtenant_surname") or "",
        initials=value(investigation, "subtenant_initials"),
        phone=value(investigation, "subtenant_phone"),
        email=value(investigation, "subtenant_email"),
        street=value(home, "street"),
        house_number=value(home, "house_number"),
        postcode=value(home, "postcode"),
        city=value(home, "city"),
        is_main_tenant=True,
    )
    organisation = session.get_one(Organisation, case.organisation_id)
    own = create_case(session, actor, organisation, [person], signal_kinds=("other",))
    # What the covenant lets go without consent goes at once; when that is nothing, the
    # referral waits for the subtenant's consent (asked on the referral page, as always).
    referral = (
        referrals.send(
            session, actor, own, purpose=purpose, recipient_org_id=recipient_org_id, note=note
        )
        if referrals.propose(session, own, purpose, recipient_org_id=recipient_org_id).categories
        else None
    )
    investigation.subtenant_case_id = own.id
    session.flush()
    record(
        session,
        actor,
        "fraud.subtenant_case",
        case_id=case.id,
        categories=[],
        detail={
            "investigation": investigation.id,
            "case": own.reference,
            "referral": referral.id if referral is not None else None,
            "purpose": purpose,
        },
    )
    return Referred(own, referral)


def referrals_of(session: Session, case_id: int) -> list[Referral]:
    """The subtenant case's referrals, newest first (for the investigation's page)."""
    return list(
        session.scalars(
            select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc())
        )
    )
