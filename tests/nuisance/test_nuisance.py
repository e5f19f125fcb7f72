"""Nuisance files: the corporation records reports and agreements and follows them up once;
who reported stays with the corporation (never the partners, never the tenant: the covenant's
third-party category); the police and the social district team see what their referral's
package allows; the reports and agreements feed the prevention record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover import service as referrals
from handover.decisions import prevention
from handover.nuisance import service
from handover.nuisance.models import NuisanceAgreement
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.covenant.rules import active_covenant
from portal.errors import Conflict, DomainError, Forbidden
from portal.sharing import reveal
from portal.workdays import local_today

WHAT = "Harde muziek tot drie uur 's nachts, buren konden niet slapen."
REPORTER = "Mevrouw Bovenbuur"


def _report(session, people, case, **changes):
    data = {
        "reported_on": local_today() - timedelta(days=3),
        "kind": "noise",
        "source": "neighbour",
        "description": WHAT,
        "reporter_name": REPORTER,
        "reporter_contact": "06 11112222",
    } | changes
    return service.add_report(session, people["corporatie"][1], case, service.ReportData(**data))


def _agreement(session, people, case):
    return service.add_agreement(
        session,
        people["corporatie"][1],
        case,
        service.AgreementData(local_today(), "Na 22.00 uur geen muziek.", local_today()),
    )


def _refer(session, people, case, slug: str, rung: int):
    referral = referrals.send(
        session, people["corporatie"][1], case, purpose=service.PURPOSE,
        recipient_org_id=people[slug][0].organisation_id, note=None, rung=rung,
    )  # fmt: skip
    referrals.accept(session, people[slug][1], referral, version=None)
    return referral


def test_the_owner_records_a_report_and_an_agreement_audited(session, people, case):
    report = _report(session, people, case)
    agreement = _agreement(session, people, case)
    shown = reveal(session, people["corporatie"][1], case,
                   {report: ["description", "reporter_name"], agreement: ["status"]})  # fmt: skip
    assert shown.get(report, "description") == WHAT
    assert shown.get(report, "reporter_name") == REPORTER
    assert shown.get(agreement, "status") == "open"
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert "nuisance.report" in actions and "nuisance.agreement" in actions


def test_only_the_owner_keeps_the_file(session, people, case):
    with pytest.raises(Forbidden):
        service.add_report(
            session, people["wijkteam"][1], case,
            service.ReportData(local_today(), "noise", "neighbour", WHAT),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"source": "rumour"}, "source"),
        ({"reported_on": local_today() + timedelta(days=2)}, "reported_on"),
        ({"description": "  "}, "description"),
        ({"reporter_name": "x" * 201}, "reporter_name"),
    ],
)
def test_a_wrong_report_is_refused_at_its_field(session, people, case, changes, field):
    with pytest.raises(DomainError) as refused:
        _report(session, people, case, **changes)
    assert refused.value.params["field"] == field


def test_an_agreement_is_followed_up_once(session, people, case):
    agreement = _agreement(session, people, case)
    service.settle(session, people["corporatie"][1], agreement, "broken")
    with pytest.raises(Conflict):
        service.settle(session, people["corporatie"][1], agreement, "kept")
    session.refresh(agreement)
    shown = reveal(session, Actor.system("test"), case, {agreement: ["status"]})
    assert shown.get(agreement, "status") == "broken" and agreement.settled_at is not None
    with pytest.raises(DomainError):
        service.settle(session, people["corporatie"][1], _agreement(session, people, case), "open")


def test_the_police_see_the_reports_never_who_made_them(session, people, case):
    report = _report(session, people, case)
    _refer(session, people, case, "politie", rung=1)
    shown = reveal(session, people["politie"][1], case,
                   {report: ["description", "reporter_name", "reporter_contact"]})  # fmt: skip
    assert shown.get(report, "description") == WHAT
    assert not shown.allowed("reporter")
    assert REPORTER not in str(shown.get(report, "reporter_name"))


def test_the_tenant_never_sees_who_reported(session, people, case):
    report = _report(session, people, case)
    tenant = Actor(kind="tenant", person_id=case.persons[0].id)
    shown = reveal(session, tenant, case, {report: ["kind", "reporter_name"]})
    assert shown.get(report, "kind") == "noise"
    assert not shown.allowed("reporter")


def test_reports_and_agreements_feed_the_prevention_record(session, people, case, app):
    _report(session, people, case)
    agreement = _agreement(session, people, case)
    service.settle(session, people["corporatie"][1], agreement, "kept")
    covenant = active_covenant(session)
    found = prevention.collect(session, case, covenant, None)["nuisance"]
    assert [e.what for e in found] == ["nuisance_report", "nuisance_agreement"]
    assert found[0].facts["kind"] == "noise" and found[1].facts["status"] == "kept"
    assert WHAT not in str(found) and REPORTER not in str(found)
    assert "nuisance" in prevention.kinds_for(covenant, "nuisance_approach_tried")
    with app.test_request_context():
        words = [prevention.describe(e, covenant) for e in found]
    assert "geluid" in words[0] and "buren" in words[0] and "nagekomen" in words[1]


def test_agreements_are_kept_in_order(session, people, case):
    first, second = _agreement(session, people, case), _agreement(session, people, case)
    assert [a.id for a in service.agreements_of(session, case.id)] == [second.id, first.id]
    assert session.get(NuisanceAgreement, first.id).settled_at is None
