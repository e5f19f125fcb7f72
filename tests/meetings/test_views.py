"""Case meeting pages: the host plans, fills the agenda and invites; an invited partner opens
the discussion (minutes, agreements, its Mijn werk) and nothing else; a guest's statement
blocks the case data until signed; the tenant reads her invitation in plain words and
answers; the life map shows through the policy point."""

from __future__ import annotations

from datetime import timedelta

from handover.meetings import minutes, service
from portal.cases import groundwork
from portal.db import utcnow
from portal.workdays import local_today

TOPIC = "We praten over de klachten van de buren en over hulp voor u."


def _tenant(app, person_id):
    from consent import tenant

    browser = app.test_client()
    browser.get("/")
    now = int(utcnow().timestamp())
    with browser.session_transaction() as sess:
        sess[tenant.TENANT_KEY] = {"pids": [person_id], "at": now, "seen": now}
    return browser


def test_the_host_plans_and_fills_the_agenda(client, login, session, people, case):
    session.commit()
    login(client, people["corporatie"][0])
    assert "Casusoverleg" in client.get("/casusoverleg").text
    day = (local_today() + timedelta(days=3)).isoformat()
    planned = client.post_form("/casusoverleg", {"day": day, "time": "10:00", "place": "Zaal 2"})
    assert planned.status_code == 303
    meeting_url = planned.headers["Location"]
    added = client.post_form(f"{meeting_url}/agenda", {"reference": case.reference})
    assert added.status_code == 303
    item_url = added.headers["Location"]
    page = client.get(item_url).text
    assert "Sociaal Wijkteam Demostad" in page or "Uitnodigen" in page
    wrong = client.post_form(f"{meeting_url}/agenda", {"reference": "KP-0000-000000"})
    assert wrong.status_code == 400 and "Geen open casus" in wrong.text
    bad = client.post_form("/casusoverleg", {"day": day, "time": "", "place": ""})
    assert bad.status_code == 400


def test_an_invited_partner_opens_the_discussion_only(client, login, session, people, item):
    host = people["corporatie"][1]
    team = people["wijkteam"]
    service.invite(session, host, item, team[0].organisation_id)
    minutes.record_minutes(session, host, item, "Het wijkteam start begeleiding.")
    minutes.add_agreement(session, host, item, text="Kennismaken thuis.",
                          organisation_id=team[0].organisation_id,
                          due_on=local_today() + timedelta(days=7))  # fmt: skip
    session.commit()
    login(client, team[0])
    page = client.get(f"/casusoverleg/bespreking/{item.id}").text
    assert "Het wijkteam start begeleiding." in page and "Kennismaken thuis." in page
    assert "Verslag opslaan" not in page
    assert client.get(f"/casusoverleg/{item.meeting_id}").status_code == 404
    work = client.get("/mijn-werk").text
    assert "Afspraken uit een casusoverleg" in work and item.case.reference in work
    login(client, people["politie"][0])
    assert client.get(f"/casusoverleg/bespreking/{item.id}").status_code == 404


def test_a_guest_must_sign_before_case_data_show(client, login, session, people, meeting, item):
    host = people["corporatie"][1]
    service.invite_tenant(session, host, item, TOPIC)
    guest = minutes.add_guest(session, host, meeting, name="J. de Wit", organisation="School")
    session.commit()
    login(client, people["corporatie"][0])
    page = client.get(f"/casusoverleg/bespreking/{item.id}").text
    assert "nog niet getekend" in page and TOPIC not in page
    refused = client.post_form(f"/casusoverleg/bespreking/{item.id}/verslag", {"minutes": "X."})
    assert refused.status_code == 409
    url = f"/casusoverleg/{meeting.id}/gasten/{guest.id}/verklaring"
    statement = client.get(url).text
    assert "geheim" in statement
    assert client.post_form(url, {}).status_code == 400
    assert client.post_form(url, {"agree": "y"}).status_code == 303
    assert TOPIC in client.get(f"/casusoverleg/bespreking/{item.id}").text
    saved = client.post_form(f"/casusoverleg/bespreking/{item.id}/verslag", {"minutes": "Gedaan."})
    assert saved.status_code == 303


def test_the_life_map_is_on_screen_through_the_policy_point(client, login, session, people, item):
    host = people["corporatie"][1]
    entry = {"housing": groundwork.LifeDomainData("acute", "Klachten.")}
    groundwork.save_life_map(session, host, item.case, entry)
    service.invite(session, host, item, people["politie"][0].organisation_id)
    session.commit()
    login(client, people["corporatie"][0])
    assert 'class="kp-lifemap__chart"' in client.get(f"/casusoverleg/bespreking/{item.id}").text
    login(client, people["politie"][0])
    page = client.get(f"/casusoverleg/bespreking/{item.id}").text
    assert "kp-lifemap__chart" not in page  # the police's package has no life map


def test_the_tenant_reads_her_invitation_and_answers(app, session, people, item):
    service.invite_tenant(session, people["corporatie"][1], item, TOPIC)
    session.commit()
    browser = _tenant(app, item.case.persons[0].id)
    page = browser.get("/mijn-zaak").text
    assert TOPIC in page and "Wijkcentrum" in page and "Ja, ik kom" in page
    token = browser.get("/mijn-zaak").text.split('name="csrf_token" value="')[1].split('"')[0]
    answered = browser.post(f"/mijn-zaak/overleg/{item.id}",
                            data={"answer": "coming", "csrf_token": token})  # fmt: skip
    assert answered.status_code == 303
    assert "U komt" in browser.get("/mijn-zaak").text


def test_closing_a_discussion_asks_for_a_tick_first(client, login, session, people, item):
    from handover.meetings.models import MeetingItem

    service.invite(session, people["corporatie"][1], item, people["wijkteam"][0].organisation_id)
    session.commit()
    login(client, people["corporatie"][0])
    url = f"/casusoverleg/bespreking/{item.id}/afsluiten"
    unticked = client.post_form(url, {})
    assert unticked.status_code == 400 and "Vink eerst aan dat u dit begrijpt." in unticked.text
    session.expire_all()
    assert session.get(MeetingItem, item.id).closed_at is None
    assert client.post_form(url, {"confirm": "y"}).status_code == 303
    session.expire_all()
    assert session.get(MeetingItem, item.id).closed_at is not None
    page = client.get(f"/casusoverleg/bespreking/{item.id}").text
    assert "De bespreking is afgesloten." in page and url not in page
    again = client.post_form(url, {"confirm": "y"})  # a second tab, or a colleague
    assert again.status_code == 303
    assert "Deze bespreking is al afgesloten." in client.get(again.headers["Location"]).text


def test_an_agreement_stays_readable_to_its_owner_after_closing(client, login, session, people,
                                                                 item):  # fmt: skip
    host, team = people["corporatie"][1], people["wijkteam"]
    service.invite(session, host, item, team[0].organisation_id)
    agreement = minutes.add_agreement(session, host, item, text="Kennismaken thuis.",
                                      organisation_id=team[0].organisation_id,
                                      due_on=local_today() + timedelta(days=7))  # fmt: skip
    service.close_item(session, host, item)
    session.commit()
    login(client, team[0])
    page = client.get(f"/casusoverleg/afspraak/{agreement.id}")
    assert page.status_code == 200 and "Kennismaken thuis." in page.text
    done = client.post_form(f"/casusoverleg/afspraak/{agreement.id}/gedaan", {})
    assert done.status_code == 303
    after = client.get(f"/casusoverleg/afspraak/{agreement.id}")
    assert "Kennismaken thuis." not in after.text
