"""Emergency access: the crisis team opens a case nobody referred to it, for the covenant's
hours only (the clock is moved, never waited for), sees the emergency package and no more,
every look is audited as emergency access, the owner and its privacy officer are told at
once, and the privacy officer closes the use as justified or not, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover.emergency import service
from handover.emergency.models import EmergencyAccess
from portal.accounts.models import User
from portal.actor import staff_actor
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseGrant
from portal.cases.policy import visible_cases
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden
from portal.outbox.models import OutboxMessage
from portal.outbox.service import recipient
from portal.sharing import decide, reveal

BSN = "111222333"  # main_tenant's, a fictional number that passes the elfproef
WHY = "Buren horen al een uur geschreeuw en de huurder dreigt zichzelf iets aan te doen."


@pytest.fixture
def crisis(make_user):
    return make_user("crisisteam")


@pytest.fixture
def officer(make_user, people):
    """The corporation's privacy officer (portal role auditor)."""
    return make_user("corporatie", roles=("auditor",))


def _open(session, user, **overrides):
    values = {"by": "bsn", "values": (BSN,), "reason": "danger_to_life", "motivation": WHY}
    values.update(overrides)
    return service.open_access(session, staff_actor(user), **values)


def test_the_crisis_team_opens_a_case_nobody_referred_to_it(session, people, case, crisis, officer):
    actor = staff_actor(crisis)
    assert not decide(session, actor, case, ["identity"])["identity"].allowed
    (access,) = _open(session, crisis)
    assert access.expires_at - access.opened_at == timedelta(hours=4)  # the demo covenant's

    decided = decide(session, actor, case, ["identity", "household", "arrears", "finances"])
    assert decided["identity"].basis == "statutory:vital_interest"
    assert decided["household"].allowed
    assert not decided["arrears"].allowed and not decided["finances"].allowed  # not in its package

    person = case.persons[0]
    shown = reveal(session, actor, case, {person: ["surname", "bsn"]})
    assert shown.get(person, "surname") == "Testpersoon"
    look = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.view").order_by(AuditEvent.id.desc())
    ).first()
    assert look.on_behalf_of == access.source  # every look is emergency access, reviewable
    assert [e.action for e in service.looks(session, access)] == ["emergency.open", "case.view"]

    # The owner's caseworker and its privacy officer are told at once, with the reference only.
    mail = {recipient(session, m): m for m in session.scalars(select(OutboxMessage))}
    for user in (people["corporatie"][0], officer):
        assert case.reference in mail[user.email].subject
    assert not any("Testpersoon" in m.subject for m in mail.values())


def test_the_access_ends_by_itself_when_its_hours_have_passed(session, case, crisis):
    (access,) = _open(session, crisis, now=utcnow() - timedelta(hours=5))
    actor = staff_actor(crisis)
    # Checked at read: no job has run yet, and the case is no longer there for the team.
    assert not decide(session, actor, case, ["identity"])["identity"].allowed
    assert session.scalar(select(Case.id).where(visible_cases(actor), Case.id == case.id)) is None

    assert service.expire_due(session) == 1
    assert access.ended_at == access.expires_at
    assert session.scalars(select(CaseGrant).where(CaseGrant.source == access.source)).all() == []
    assert service.expire_due(session) == 0  # once


def test_the_team_ends_it_early_and_only_once(session, case, crisis):
    (access,) = _open(session, crisis)
    service.end_access(session, staff_actor(crisis), access)
    assert not decide(session, staff_actor(crisis), case, ["identity"])["identity"].allowed
    with pytest.raises(Conflict):
        service.end_access(session, staff_actor(crisis), access)


@pytest.mark.parametrize(
    ("org", "roles"),
    [("welzijn", ("caseworker",)), ("crisisteam", ("auditor",)), ("corporatie", ("caseworker",))],
)
def test_only_a_caseworker_of_an_emergency_role_may_open_one(session, case, make_user, org, roles):
    with pytest.raises(Forbidden):
        _open(session, make_user(org, roles=roles))
    assert session.scalars(select(EmergencyAccess)).all() == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"values": ("123456782",)}, "bsn"),  # valid, but nobody's
        ({"values": ("12345",)}, "bsn"),  # not a BSN
        ({"reason": "curious"}, "reason"),
        ({"motivation": "   kort  "}, "motivation"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(session, case, crisis, overrides, field):
    with pytest.raises(DomainError) as refused:
        _open(session, crisis, **overrides)
    assert refused.value.params.get("field") == field
    assert session.scalars(select(EmergencyAccess)).all() == []


def test_the_privacy_officer_reviews_each_use_once(session, case, crisis, officer, make_user):
    (access,) = _open(session, crisis)
    assert service.unreviewed_count(session, staff_actor(officer)) == 1
    with pytest.raises(Forbidden):  # the crisis team's own auditor does not review the owner's
        service.review(
            session,
            staff_actor(make_user("crisisteam", roles=("auditor",))),
            access,
            verdict="justified",
            note="",
        )
    service.review(session, staff_actor(officer), access, verdict="justified", note="Terecht.")
    assert access.verdict == "justified" and access.reviewed_by == officer.id
    with pytest.raises(Conflict):
        service.review(session, staff_actor(officer), access, verdict="unjustified", note="")
    assert access.verdict == "justified"
    assert service.unreviewed_count(session, staff_actor(officer)) == 0


def test_the_pages_open_review_and_show_the_work(
    session, client, login, case, crisis, officer, make_user
):
    session.commit()  # what the fixtures made stays when a refused request rolls back
    team = login(client, crisis)
    page = team.get("/noodtoegang")
    assert page.status_code == 200 and "Noodtoegang openen" in page.get_data(as_text=True)
    empty = team.post_form("/noodtoegang", {"reason": "danger_to_life", "motivation": WHY})
    assert empty.status_code == 400
    assert "Vul het BSN in, of de postcode en het huisnummer." in empty.get_data(as_text=True)
    nobody = team.post_form(
        "/noodtoegang",
        {"bsn": "123456782", "reason": "danger_to_life", "motivation": WHY, "confirm": "y"},
    )
    assert nobody.status_code == 400 and "Geen casus gevonden" in nobody.get_data(as_text=True)
    opened = team.post_form(
        "/noodtoegang",
        {
            "postcode": "1234ab",
            "house_number": "12",
            "reason": "child_safety",
            "motivation": WHY,
            "confirm": "y",
        },
    )
    assert opened.status_code == 303, (opened.status_code, opened.headers.get("Location"))
    assert opened.headers["Location"].endswith(f"/casussen/{case.id}")
    case_page = team.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "Testpersoon" in case_page and "alles wat u bekijkt wordt vastgelegd" in case_page
    access = session.scalars(select(EmergencyAccess)).one()

    review = login(client, officer)
    work = review.get("/mijn-werk").get_data(as_text=True)
    assert "Noodtoegang toetsen" in work and case.reference in work
    listed = review.get("/noodtoegang/toetsing").get_data(as_text=True)
    assert case.reference in listed and "Een kind is niet veilig" in listed
    shown = review.get(f"/noodtoegang/{access.id}/toetsing").get_data(as_text=True)
    assert WHY in shown and "Gegevens bekeken" in shown  # the look at the case page
    done = review.post_form(
        f"/noodtoegang/{access.id}/toetsing", {"verdict": "unjustified", "note": "Geen gevaar."}
    )
    assert done.status_code == 303
    assert "Niet terecht gebruikt" in review.get(done.headers["Location"]).get_data(as_text=True)
    # Another organisation's caseworker does not even learn the use exists.
    other = login(client, make_user("welzijn"))
    assert other.get(f"/noodtoegang/{access.id}/toetsing").status_code in (403, 404)


def test_the_demo_holds_a_use_for_the_privacy_officer(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    (use,) = session.scalars(select(EmergencyAccess)).all()
    assert use.ended_at == use.expires_at and use.reviewed_at is None  # ran out by itself
    admin = session.scalar(select(User).where(User.email == "admin@corporatie.example"))
    assert service.unreviewed_count(session, staff_actor(admin)) == 1


def test_a_partner_whose_involvement_is_hidden_is_not_opened(session, case, crisis, make_case):
    """Care's involvement itself says too much (the covenant: ``involvement_visible =
    false``): its case of the same household stays closed and unmentioned."""
    care_case = make_case("zorg", surname="Testpersoon")
    opened = _open(session, crisis)
    assert [a.case_id for a in opened] == [case.id]
    assert not decide(session, staff_actor(crisis), care_case, ["identity"])["identity"].allowed
