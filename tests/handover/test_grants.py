"""What a referral grants, stored in ``case_grant`` through every transition of its life.

After each step the table must hold exactly what the referrals grant (``grants_agree``,
the same comparison as ``flask grants check``), and the recipient's view must follow: the
case is in its inbox while the referral is active, and gone once it is closed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from handover import service
from portal.cases.inbox import InboxFilters, inbox_page
from portal.cases.models import Case, CaseGrant
from portal.db import utcnow
from portal.grants import grants_of
from portal.workdays import local_today
from tests.handover.conftest import refer

REASON = "Huurder niet bereikbaar na drie pogingen."


def granted(session, people, case, slug="schuldhulp") -> list[tuple[str, str, str]]:
    """The organisation's stored grants on the case: (source kind, role, categories)."""
    org = people[slug][0].organisation_id
    return [
        (g.source.split(":")[0], g.recipient_role, ",".join(sorted(g.categories)))
        for g in grants_of(session, case.id, org)
    ]


def in_inbox(session, people, case, slug="schuldhulp") -> bool:
    page = inbox_page(session, people[slug][1], InboxFilters(status="all"), today=local_today())
    return case in page.cases


COACH = [("referral", "debt_coach", "arrears,contact,finances,identity,tenant_input")]


def test_active_while_it_runs_and_back_when_reopened(session, people, case, grants_agree):
    coach = people["schuldhulp"][1]
    referral = refer(session, people, case)
    assert granted(session, people, case) == COACH and in_inbox(session, people, case)
    grants_agree()
    referral = service.accept(session, coach, referral, version=referral.version)
    referral = service.report(session, coach, referral, "first_contact", version=referral.version)
    assert referral.status == "in_progress" and granted(session, people, case) == COACH
    grants_agree()
    referral = service.report(
        session, coach, referral, "help_ended", outcome="solved", version=referral.version
    )
    assert referral.status == "completed" and granted(session, people, case) == []
    assert not in_inbox(session, people, case)
    grants_agree()
    referral = service.reopen(session, coach, referral, version=referral.version)
    assert referral.status == "in_progress" and granted(session, people, case) == COACH
    assert in_inbox(session, people, case)
    grants_agree()


def test_declined_then_offered_again_then_withdrawn(
    session, people, case, grants_agree, sender_chooses
):
    sender, coach = people["corporatie"][1], people["schuldhulp"][1]
    referral = refer(session, people, case)
    referral = service.decline(session, coach, referral, REASON, version=referral.version)
    assert granted(session, people, case) == [] and not in_inbox(session, people, case)
    grants_agree()
    referral = service.reopen(session, sender, referral, version=referral.version)
    assert referral.status == "sent" and granted(session, people, case) == COACH
    grants_agree()
    referral = service.withdraw(session, sender, referral, REASON, version=referral.version)
    assert granted(session, people, case) == [] and not in_inbox(session, people, case)
    grants_agree()


def test_returned_and_escalated_to_the_next_rung(
    session, people, case, grants_agree, sender_chooses
):
    sender, coach = people["corporatie"][1], people["schuldhulp"][1]
    referral = refer(session, people, case)
    referral = service.accept(session, coach, referral, version=referral.version)
    referral = service.return_to_sender(session, coach, referral, REASON, version=referral.version)
    assert granted(session, people, case) == []
    grants_agree()
    welfare_org = people["welzijn"][0].organisation_id
    following = service.escalate(
        session,
        sender,
        referral,
        recipient_org_id=welfare_org,
        note=None,
        version=referral.version,
    )
    assert referral.status == "escalated" and following.status == "sent"
    assert granted(session, people, case) == []
    assert granted(session, people, case, "welzijn") == [
        ("referral", "welfare", ",".join(sorted(following.categories)))
    ]
    assert in_inbox(session, people, case, "welzijn")
    grants_agree()


def test_the_sla_check_ends_the_grant_of_an_expired_referral(
    session, people, case, grants_agree, sender_chooses
):
    referral = refer(session, people, case)
    result = service.check_sla(session, now=utcnow() + timedelta(days=4))
    assert result.expired == [referral.id] and referral.status == "expired"
    assert granted(session, people, case) == [] and not in_inbox(session, people, case)
    grants_agree()


def test_a_case_that_goes_takes_its_grants_along(session, people, case, grants_agree):
    """Nothing in the portal deletes a case today (retention erases and shreds, and keeps
    the row); if a case row is ever removed, its grants go with it (ON DELETE CASCADE)."""
    refer(session, people, case)
    case_id = case.id
    session.expunge_all()
    session.execute(delete(Case).where(Case.id == case_id))
    assert session.scalars(select(CaseGrant).where(CaseGrant.case_id == case_id)).all() == []
    grants_agree()


def test_grants_check_finds_a_difference_and_rebuild_repairs_it(app, session, people, case):
    referral = refer(session, people, case)
    runner = app.test_cli_runner()
    agreed = runner.invoke(args=["grants", "check"])
    assert agreed.exit_code == 0 and "0 difference(s)." in agreed.output

    row = session.scalar(select(CaseGrant).where(CaseGrant.case_id == case.id))
    row.categories = "contact,finances,health,identity"  # widened by hand
    session.flush()
    differ = runner.invoke(args=["grants", "check"])
    assert differ.exit_code == 1 and "2 difference(s)." in differ.output
    assert f"missing: referral:{referral.id} on case {case.id}" in differ.output
    assert "not granted:" in differ.output and "health" in differ.output

    repaired = runner.invoke(args=["grants", "rebuild"])
    assert repaired.exit_code == 0 and "2 grant row(s) added or removed." in repaired.output
    assert runner.invoke(args=["grants", "check"]).exit_code == 0
