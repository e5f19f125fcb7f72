"""The demo carries Scenario B to its last step: a returned referral that the covenant offered
to welfare by itself, which then finds everything gathered so far; and a referral nobody
answered, expired by the SLA check and offered to welfare the same way."""

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


def test_demo_returned_referral_reached_welfare_by_itself_carrying_everything(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    welfare_org = session.scalar(select(Organisation).where(Organisation.slug == "welzijn"))
    offered = session.scalars(
        select(Referral).where(Referral.status == "escalated").order_by(Referral.id)
    ).all()
    returned, expired = offered
    assert [e.kind for e in returned.events] == ["send", "accept", "return", "escalate"]
    assert [e.kind for e in expired.events] == ["send", "expire", "escalate"]
    for ended in offered:
        count = select(func.count(Referral.id)).where(Referral.case_id == ended.case_id)
        assert session.scalar(count) == 2
        nxt = session.scalar(select(Referral).where(Referral.previous_id == ended.id))
        assert nxt.status == "sent" and nxt.recipient_org_id == welfare_org.id
        assert nxt.rung == 1 and nxt.events[0].user_id is None  # the covenant, not a person

    fatima = _actor(session, "fatima@welzijn.example")
    nxt = session.scalar(select(Referral).where(Referral.previous_id == returned.id))
    service.accept(session, fatima, nxt, version=nxt.version)
    case = nxt.case
    attempts = groundwork_items(session, case, set(nxt.categories))["contact_history"]
    shown = reveal(session, fatima, case, {a: ["note"] for a in attempts})
    notes = [shown.get(a, "note") for a in attempts]
    assert "Niemand thuis; kaartje achtergelaten." in notes  # the coach's attempts came along
    checks = service.item_checks(session, case)
    assert checks[("arrears", case.id)][0].status == "verified"  # and what it verified


def test_every_action_in_the_demo_log_has_plain_words(app, session):
    """Auditors read words, not codes: each action the demo and a step of Scenario B wrote
    to the audit log has a label, translated into each of the other languages."""
    from flask_babel import force_locale

    from portal.audit.describe import action_label
    from portal.audit.models import AuditEvent

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    actions = set(session.scalars(select(AuditEvent.action).distinct()))
    assert {"referral.send", "referral.item_check", "referral.escalate", "consent.requested"} <= (
        actions
    )
    with app.test_request_context(), force_locale("nl"):
        dutch = {a: action_label(a) for a in actions}
    assert sorted(a for a, label in dutch.items() if label == a) == []
    for language in ("en", "tr", "ar"):
        with app.test_request_context(), force_locale(language):
            untranslated = sorted(a for a in actions if action_label(a) == dutch[a])
        assert untranslated == [], language
