"""The demo carries Scenario B to its last step: a returned referral that the corporation
offers to welfare, which then finds everything gathered so far."""

from __future__ import annotations

from sqlalchemy import func, select

from handover import service
from handover.models import Referral
from portal.accounts.models import Organisation, User
from portal.actor import staff_actor
from portal.cases.groundwork import groundwork_items
from portal.sharing import reveal


def _actor(session, email):
    return staff_actor(session.scalar(select(User).where(User.email == email)))


def test_demo_returned_referral_escalates_to_welfare_carrying_everything(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    (returned,) = session.scalars(select(Referral).where(Referral.status == "returned")).all()
    count = select(func.count(Referral.id)).where(Referral.case_id == returned.case_id)
    assert session.scalar(count) == 1
    assert [e.kind for e in returned.events] == ["send", "accept", "return"]

    sanne = _actor(session, "sanne@corporatie.example")
    fatima = _actor(session, "fatima@welzijn.example")
    welfare_org = session.scalar(select(Organisation).where(Organisation.slug == "welzijn"))
    step = service.next_step(session, returned)
    assert step is not None and [o.id for o in step.recipients] == [welfare_org.id]
    nxt = service.escalate(
        session,
        sanne,
        returned,
        recipient_org_id=welfare_org.id,
        note=None,
        version=returned.version,
    )
    service.accept(session, fatima, nxt, version=nxt.version)

    case = nxt.case
    attempts = groundwork_items(session, case, set(nxt.categories))["contact_history"]
    shown = reveal(session, fatima, case, {a: ["note"] for a in attempts})
    notes = [shown.get(a, "note") for a in attempts]
    assert "Niemand thuis; kaartje achtergelaten." in notes  # the coach's attempts came along
    checks = service.item_checks(session, case)
    assert checks[("arrears", case.id)][0].status == "verified"  # and what it verified
