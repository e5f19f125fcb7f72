"""The subtenant as a victim: with one action the corporation opens a case for the
subtenant's household and refers it for help through the referral machinery; the
investigation links it. The package is what the covenant and the subtenant's consent allow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handover.fraud import service, subtenant
from handover.models import Referral
from portal.cases.models import Case
from portal.errors import Conflict, DomainError
from portal.sharing import reveal


@pytest.fixture
def with_subtenant(session, owner_actor, investigation):
    service.record_subtenant(
        session, owner_actor, investigation, surname="Pietersen", initials="R.",
        phone="06 45678901", email="r.pietersen@example.org", note="Met haar zoon.",
    )  # fmt: skip
    return investigation


def _option(session, purpose):
    return next(o for o in subtenant.help_options(session) if o.purpose == purpose)


def test_one_action_opens_the_subtenants_case_and_refers_it(
    session, owner_actor, case, with_subtenant
):
    option = _option(session, "debt_help")
    assert "identity" in option.at_once and "contact" in option.at_once
    referred = subtenant.refer_subtenant(
        session, owner_actor, with_subtenant, purpose="debt_help",
        recipient_org_id=option.organisation.id, note="Onderhuurder bij woonfraude.",
    )  # fmt: skip
    own = referred.case
    assert own.id != case.id and with_subtenant.subtenant_case_id == own.id
    assert own.organisation_id == case.organisation_id
    person = own.main_tenant
    shown = reveal(session, owner_actor, own, {person: ["surname", "street", "phone"]})
    assert shown.get(person, "surname") == "Pietersen"
    assert shown.get(person, "street") == "Dorpsstraat"  # the home's address
    assert referred.referral is not None and referred.referral.status == "sent"
    assert referred.referral.case_id == own.id
    assert {"identity", "contact"} <= set(referred.referral.categories)
    with pytest.raises(Conflict):
        subtenant.refer_subtenant(
            session, owner_actor, with_subtenant, purpose="debt_help",
            recipient_org_id=option.organisation.id, note=None,
        )  # fmt: skip


def test_help_that_needs_consent_first_waits_for_it(session, owner_actor, with_subtenant):
    option = _option(session, "care_support")
    assert option.at_once == ()
    referred = subtenant.refer_subtenant(
        session, owner_actor, with_subtenant, purpose="care_support",
        recipient_org_id=option.organisation.id, note=None,
    )  # fmt: skip
    assert referred.referral is None  # asked on the referral page, as for every case
    assert session.scalar(select(Referral).where(Referral.case_id == referred.case.id)) is None
    assert session.get(Case, with_subtenant.subtenant_case_id) is referred.case


def test_no_subtenant_no_referral(session, owner_actor, investigation):
    option = _option(session, "debt_help")
    with pytest.raises(DomainError):
        subtenant.refer_subtenant(
            session, owner_actor, investigation, purpose="debt_help",
            recipient_org_id=option.organisation.id, note=None,
        )  # fmt: skip


def test_an_organisation_off_the_ladder_is_refused(session, owner_actor, with_subtenant):
    with pytest.raises(DomainError):
        subtenant.refer_subtenant(
            session, owner_actor, with_subtenant, purpose="debt_help",
            recipient_org_id=owner_actor.organisation_id, note=None,
        )  # fmt: skip
