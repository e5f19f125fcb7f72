"""Referral pages through the real app: inbox, detail with intake, sending, every action."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from handover import service
from handover.models import Referral
from portal.actor import staff_actor
from portal.workdays import local_today
from tests.conftest import Client
from tests.handover.conftest import refer


@pytest.fixture
def coach_client(app, people, login):
    client = app.test_client()
    return login(client, people["schuldhulp"][0])


@pytest.fixture
def corp_client(client, people, login):
    return login(client, people["corporatie"][0])


def _version(html: str, action: str) -> str:
    match = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', html)
    assert match, f"no {action} form"
    return match.group(1)


def _token(html: str) -> str:
    return re.search(r'name="[a-z_]*-?csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_send_in_one_form_from_the_case(corp_client, case, session):
    page = corp_client.get(f"/casussen/{case.id}/overdragen?purpose=debt_help")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Schuldhulp" in html and "toestemming ontbreekt" in html
    response = corp_client.post_form(
        f"/casussen/{case.id}/overdragen",
        {"purpose": "debt_help", "recipient": "999999", "note": "Graag snel.", "action": "send"},
    )
    referral = session.scalar(select(Referral).where(Referral.case_id == case.id))
    assert response.status_code == 400  # not a recipient on this rung: refused, nothing made
    assert referral is None


def test_coach_accepts_reports_and_sender_sees_help_started(
    corp_client, coach_client, people, case, session
):
    coach_org = people["schuldhulp"][0].organisation_id
    sent = corp_client.post_form(
        f"/casussen/{case.id}/overdragen",
        {
            "purpose": "debt_help",
            "recipient": str(coach_org),
            "note": "Huisbezoek gelukt.",
            "action": "send",
        },
    )
    assert sent.status_code == 302
    referral = session.scalar(select(Referral).where(Referral.case_id == case.id))

    inbox = coach_client.get("/overdrachten").get_data(as_text=True)
    assert case.reference in inbox
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "Testpersoon" in page and "Huisbezoek gelukt." in page  # pre-filled intake
    for action in ("accept", "first_contact", "help_started"):
        page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
        response = coach_client.post(
            f"/overdrachten/{referral.id}/{action}",
            data={
                f"{action}-version": _version(page, action),
                f"{action}-csrf_token": _token(page),
                f"{action}-on": local_today().isoformat(),  # reported steps carry their day
            },
        )
        assert response.status_code == 302, action
    sender_view = corp_client.get("/overdrachten?weergave=verstuurd").get_data(as_text=True)
    assert "Hulp gestart" in sender_view
    detail = corp_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "de incasso kan worden gepauzeerd" in detail


def test_decline_without_reason_shows_the_error_and_changes_nothing(
    coach_client, people, case, session
):
    referral = refer(session, people, case)
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    response = coach_client.post(
        f"/overdrachten/{referral.id}/decline",
        data={
            "decline-version": _version(page, "decline"),
            "decline-csrf_token": _token(page),
            "decline-reason": "",
        },
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    session.refresh(referral)
    assert referral.status == "sent"


def test_stale_click_is_refused_with_a_message(coach_client, people, case, session):
    referral = refer(session, people, case)
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    service.accept(
        session, staff_actor(people["schuldhulp"][0]), referral, version=referral.version
    )
    response = coach_client.post(
        f"/overdrachten/{referral.id}/accept",
        data={"accept-version": _version(page, "accept"), "accept-csrf_token": _token(page)},
        follow_redirects=True,
    )
    assert "veranderd" in response.get_data(as_text=True) or "wacht niet meer" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize("org", ["welzijn", "zorg"])
def test_other_organisations_get_404_on_every_referral_url(app, people, case, session, login, org):
    app.test_client_class = Client
    referral = refer(session, people, case)
    client = login(app.test_client(), people[org][0])
    assert client.get(f"/overdrachten/{referral.id}").status_code == 404
    assert client.get(f"/casussen/{case.id}/overdragen").status_code == 404
    assert client.get(f"/casussen/{case.id}/overdrachten").status_code == 404
    token = client.csrf_token()
    for action in ("accept", "decline", "withdraw", "reopen", "escalate"):
        response = client.post(
            f"/overdrachten/{referral.id}/{action}", data={f"{action}-csrf_token": token}
        )
        assert response.status_code == 404, action


@pytest.mark.parametrize("roles", [("org_admin",), ("auditor",), ("covenant_admin",)])
def test_roles_without_case_work_get_no_referral(
    app, people, case, session, login, make_user, roles
):
    """Even at the sending organisation: a referral shows the household's personal data."""
    app.test_client_class = Client
    referral = refer(session, people, case)
    client = login(app.test_client(), make_user("corporatie", roles=roles))
    assert client.get(f"/overdrachten/{referral.id}").status_code == 403
    assert client.get(f"/casussen/{case.id}/overdrachten").status_code == 403
    assert client.get("/overdrachten").status_code == 403
    assert "Overdrachten" not in client.get("/mijn-werk").get_data(as_text=True)
    caseworker = login(app.test_client(), people["corporatie"][0])
    assert "Overdrachten" in caseworker.get("/mijn-werk").get_data(as_text=True)


def test_inbox_fragment_for_htmx(coach_client):
    response = coach_client.get("/overdrachten", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_inbox_view_name_is_checked(coach_client):
    assert coach_client.get("/overdrachten?weergave=alles").status_code == 404


def test_intake_carries_the_groundwork_of_the_package(coach_client, people, case, session):
    """The coach re-types nothing: a payment arrangement recorded by the corporation (finances,
    a statutory category for debt help) is in the intake; the life map (consent) is not."""
    from datetime import date

    from portal.cases.groundwork import AgreementData, LifeDomainData, add_agreement, save_life_map

    corporation = people["corporatie"][1]
    add_agreement(
        session,
        corporation,
        case,
        AgreementData(amount_cents=12_500, starts_on=date(2026, 10, 1), note="Regeling A"),
    )
    domains = {"finances": LifeDomainData(status="worried", note="Geheime levenskaartnotitie")}
    save_life_map(session, corporation, case, domains)
    referral = service.send(
        session,
        corporation,
        case,
        purpose="debt_help",
        recipient_org_id=people["schuldhulp"][0].organisation_id,
        note=None,
    )
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    assert "125,00" in page and "Voorgesteld" in page and "Regeling A" in page
    assert "Geheime levenskaartnotitie" not in page


def test_missing_consent_is_asked_in_one_click_from_the_send_page(
    corp_client, people, case, session, make_case
):
    from consent.models import ConsentRequest
    from consent.sms import sent_messages

    url = f"/casussen/{case.id}/overdragen?purpose=debt_help"
    page = corp_client.get(url).get_data(as_text=True)
    assert "Toestemming vragen aan de huurder" in page
    coach_org = str(people["schuldhulp"][0].organisation_id)
    box = sent_messages(corp_client.application)
    box.clear()
    asked = corp_client.post_form(
        f"/casussen/{case.id}/overdragen",
        {"purpose": "debt_help", "recipient": coach_org, "action": "ask_consent"},
        follow_redirects=True,
    )
    html = asked.get_data(as_text=True)
    assert "Toestemming gevraagd (Sms)" in html
    assert "de huurder heeft nog niet geantwoord" in html
    (request,) = session.scalars(select(ConsentRequest)).all()
    assert request.channels == ["sms"] and request.purpose == "debt_help"
    (item,) = request.items
    assert item["organisation_id"] == int(coach_org) and item["role"] == "debt_coach"
    assert sorted(item["categories"]) == ["contact_history", "household", "life_map"]
    assert len(box) == 1 and "Jansen" not in box[0][1] and "Testpersoon" not in box[0][1]

    # A second click does not ask twice.
    again = corp_client.post_form(
        f"/casussen/{case.id}/overdragen",
        {"purpose": "debt_help", "recipient": coach_org, "action": "ask_consent"},
        follow_redirects=True,
    )
    assert "Er loopt al een verzoek" in again.get_data(as_text=True)
    assert len(session.scalars(select(ConsentRequest)).all()) == 1

    # Without a phone or an e-mail address the request becomes a letter to print.
    quiet = make_case("corporatie", surname="Zonderpost", phone=None, email=None, bsn="123456782")
    corp_client.post_form(
        f"/casussen/{quiet.id}/overdragen",
        {"purpose": "debt_help", "recipient": coach_org, "action": "ask_consent"},
    )
    letter = session.scalar(select(ConsentRequest).where(ConsentRequest.case_id == quiet.id))
    assert letter.channels == ["letter"]


def test_the_live_refresh_keeps_the_page_the_user_is_on(coach_client):
    first = coach_client.get("/overdrachten?weergave=afgerond").get_data(as_text=True)
    assert 'hx-get="/overdrachten?weergave=afgerond"' in first
    later = coach_client.get("/overdrachten?weergave=afgerond&na=40").get_data(as_text=True)
    assert 'hx-get="/overdrachten?weergave=afgerond&amp;na=40"' in later


def test_inbox_queries_do_not_grow_with_its_rows(coach_client, people, session, make_case):
    """One query for the rows and one for their cases' references, however many rows."""
    from sqlalchemy import event

    def referred(n):
        for i in range(n):
            case = make_case("corporatie", surname=f"Rij{i}", bsn=None)
            refer(session, people, case)
        session.commit()

    def queries() -> int:
        seen: list[str] = []
        engine = session.get_bind().engine

        def count(*_args):
            seen.append("q")

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert coach_client.get("/overdrachten").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    coach_client.get("/overdrachten")  # the first page view stores the session's CSRF token
    referred(2)
    few = queries()
    referred(10)
    assert queries() == few


def test_the_referral_page_reads_what_it_shows_with_the_referral(
    corp_client, people, case, session, statements
):
    """The case, its household, both partners and the history come with the referral, not
    one statement each as the page reaches them."""
    referral = refer(session, people, case)
    session.commit()
    corp_client.get(f"/overdrachten/{referral.id}")  # the first view stores a CSRF token
    session.expunge_all()  # a request starts knowing nothing
    with statements() as seen:
        assert corp_client.get(f"/overdrachten/{referral.id}").status_code == 200
    # One statement loads the referral with all it shows (another asks what came after it).
    (load,) = [
        s
        for s in seen
        if s.startswith("SELECT referral.id") and "WHERE referral.previous_id" not in s
    ]
    assert "case_file" in load and "person" in load and "organisation" in load
    one_by_one = re.compile(r"WHERE (case_file\.id|organisation\.id) = |= person\.case_id")
    assert [s for s in seen if one_by_one.search(s)] == []


def test_escalate_answers_with_the_new_referral(corp_client, people, case, session, sender_chooses):
    """The escalation's answer is the next rung's referral, not the one it came from."""
    referral = refer(session, people, case)
    coach = people["schuldhulp"][1]
    service.accept(session, coach, referral, version=referral.version)
    service.return_to_sender(
        session, coach, referral, "Drie keer gebeld, geen contact.", version=referral.version
    )
    session.commit()
    page = corp_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    response = corp_client.post(
        f"/overdrachten/{referral.id}/escalate",
        data={
            "escalate-version": _version(page, "escalate"),
            "escalate-csrf_token": _token(page),
            "escalate-recipient": str(people["welzijn"][0].organisation_id),
        },
    )
    assert response.status_code == 302
    nxt = session.scalar(select(Referral).where(Referral.previous_id == referral.id))
    assert response.headers["Location"].endswith(f"/overdrachten/{nxt.id}")


def test_a_stale_click_is_flashed_as_a_warning(coach_client, people, case, session):
    """Someone else was first: a warning that says so, and back to the referral."""
    referral = refer(session, people, case)
    page = coach_client.get(f"/overdrachten/{referral.id}").get_data(as_text=True)
    form = {"accept-version": _version(page, "accept"), "accept-csrf_token": _token(page)}
    service.accept(session, people["schuldhulp"][1], referral, version=referral.version)
    session.commit()
    response = coach_client.post(f"/overdrachten/{referral.id}/accept", data=form)
    assert response.headers["Location"].endswith(f"/overdrachten/{referral.id}")
    with coach_client.session_transaction() as flask_session:
        assert flask_session["_flashes"] == [("warning", "Iemand anders heeft dit net veranderd.")]
