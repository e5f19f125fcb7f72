"""The "Overlast" tab: the owner's forms work with and without htmx; a partner sees its
package and never who reported; an organisation without a grant learns nothing; the tenant's
"Mijn gegevens" lists the reports and agreements and says that who reported is not shown."""

from __future__ import annotations

from datetime import timedelta

from handover import service as referrals
from handover.nuisance import service
from portal.db import utcnow
from portal.workdays import local_today

WHAT = "Geschreeuw in het trappenhuis"
REPORTER = "Meneer Onderbuur"


def _seed(session, people, case):
    service.add_report(
        session, people["corporatie"][1], case,
        service.ReportData(local_today() - timedelta(days=2), "threats", "neighbour", WHAT,
                           REPORTER, "06 99990000"),
    )  # fmt: skip
    service.add_agreement(
        session, people["corporatie"][1], case,
        service.AgreementData(local_today(), "Bij ruzie belt u de huismeester."),
    )  # fmt: skip


def test_the_owner_adds_a_report_and_settles_an_agreement(client, login, session, people, case):
    session.commit()
    login(client, people["corporatie"][0])
    page = client.get(f"/casussen/{case.id}/overlast")
    assert page.status_code == 200 and "Er zijn geen meldingen van overlast." in page.text
    answer = client.post_form(
        f"/casussen/{case.id}/overlast/melding",
        data={"reported_on": local_today().isoformat(), "kind": "noise", "source": "neighbour",
              "description": WHAT, "reporter_name": REPORTER},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert answer.status_code == 200 and WHAT in answer.text and REPORTER in answer.text
    assert "<html" not in answer.text  # the fragment only
    bad = client.post_form(f"/casussen/{case.id}/overlast/melding", data={"kind": "noise"})
    assert bad.status_code == 400 and "Vul de datum van de melding in." in bad.text
    made = client.post_form(
        f"/casussen/{case.id}/overlast/afspraak",
        data={"made_on": local_today().isoformat(), "text": "Geen muziek na tienen."},
    )
    assert made.status_code == 303
    [agreement] = service.agreements_of(session, case.id)
    url = f"/casussen/{case.id}/overlast/afspraak/{agreement.id}/opvolgen"
    assert client.post_form(url, {"status": "kept"}).status_code == 303
    again = client.post_form(url, {"status": "broken"})
    assert again.status_code == 409 and "al opgevolgd" in again.text
    assert "Nagekomen" in client.get(f"/casussen/{case.id}/overlast").text


def test_a_partner_sees_its_package_and_never_the_reporter(client, login, session, people, case):
    _seed(session, people, case)
    referral = referrals.send(
        session, people["corporatie"][1], case, purpose=service.PURPOSE,
        recipient_org_id=people["wijkteam"][0].organisation_id, note=None,
    )  # fmt: skip
    session.commit()
    login(client, people["wijkteam"][0])
    page = client.get(f"/casussen/{case.id}/overlast").text
    assert WHAT in page and "Bij ruzie belt u de huismeester." in page
    assert REPORTER not in page and "06 99990000" not in page
    assert "Melding vastleggen" not in page  # the owner keeps the file
    assert f"/casussen/{case.id}/overlast/melding" not in page
    refused = client.post_form(
        f"/casussen/{case.id}/overlast/melding",
        data={"reported_on": local_today().isoformat(), "kind": "noise", "source": "other",
              "description": "Ook iets."},
    )  # fmt: skip
    assert refused.status_code in (403, 404)
    assert referral.recipient_role == "district_team"


def test_an_organisation_without_a_grant_learns_nothing(client, login, session, people, case):
    _seed(session, people, case)
    session.commit()
    login(client, people["schuldhulp"][0])
    assert client.get(f"/casussen/{case.id}/overlast").status_code == 404


def test_the_police_are_reached_on_the_second_step(client, login, session, people, case):
    session.commit()
    login(client, people["corporatie"][0])
    page = client.get(f"/casussen/{case.id}/overdragen?purpose=nuisance_approach&stap=2").text
    assert "Politie Basisteam Demostad" in page or people["politie"][0].organisation.name in page


def test_the_owner_is_offered_only_the_steps_not_yet_taken(client, login, session, people, case):
    session.commit()
    login(client, people["corporatie"][0])
    send = f"/casussen/{case.id}/overdragen?purpose=nuisance_approach&amp;stap="
    page = client.get(f"/casussen/{case.id}/overlast").text
    assert "Sociaal wijkteam betrekken" in page and f"{send}1" in page
    assert "Politie betrekken" in page and f"{send}2" in page
    referrals.send(
        session, people["corporatie"][1], case, purpose=service.PURPOSE,
        recipient_org_id=people["wijkteam"][0].organisation_id, note=None,
    )  # fmt: skip
    session.commit()
    page = client.get(f"/casussen/{case.id}/overlast").text
    assert "Sociaal wijkteam betrekken" not in page and f"{send}1" not in page
    assert "Politie betrekken" in page and f"{send}2" in page


def test_her_data_lists_the_reports_without_who_made_them(new_tenant, session, people, case):
    _seed(session, people, case)
    session.commit()
    browser = new_tenant(case.persons[0].id)
    page = browser.get("/mijn-gegevens").text
    assert "Dreigen of boos worden" in page and "Buren" in page
    assert "Bij ruzie belt u de huismeester." in page
    assert "Wie een melding deed, staat hier niet." in page
    assert REPORTER not in page and WHAT not in page
    data = browser.get("/mijn-gegevens.json").get_data(as_text=True)
    assert REPORTER not in data and "06 99990000" not in data and "Dreigen" in data


def _tenant(app, person_id):
    from consent import tenant

    browser = app.test_client()
    browser.get("/")
    now = int(utcnow().timestamp())
    with browser.session_transaction() as sess:
        sess[tenant.TENANT_KEY] = {"pids": [person_id], "at": now, "seen": now}
    return browser


import pytest  # noqa: E402


@pytest.fixture
def new_tenant(app):
    return lambda person_id: _tenant(app, person_id)
