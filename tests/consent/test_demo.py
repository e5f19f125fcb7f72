"""The demo: `flask demo` prints a working consent link for the demo household, and the whole
story runs through it (grant part, receipt, withdraw, the coach's view changes)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from consent.models import ConsentRecord
from handover import service as handover
from portal.accounts.service import find_user_by_email
from portal.actor import staff_actor
from tests.consent.conftest import answer, last_code


def _demo(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_prints_a_consent_link_for_the_demo_household(app, session):
    """The demo loads its own households, so a newcomer always gets a link to try."""
    output = _demo(app)
    assert "/t/" in output and "birth date:" in output


def test_demo_story(app, session, make_case, client, new_client, login, sms_box):
    make_case("corporatie", birth_date=date(1985, 3, 9))
    output = _demo(app)
    link = re.search(r"consent link \(works once\): (\S+)", output).group(1)
    assert "birth date: 09-03-1985" in output and "/casussen/" in output
    # Running the demo again gives a fresh link; the old one stops working.
    second = re.search(r"consent link \(works once\): (\S+)", _demo(app)).group(1)
    assert second != link
    assert client.get(link[link.index("/t/") :]).status_code == 410

    # The tenant proves who they are and grants part of the request.
    client.get(second[second.index("/t/") :])
    client.post_form("/toestemming/wie-bent-u")
    proved = client.post_form(
        "/toestemming/code",
        {"code": last_code(sms_box), "day": "9", "month": "3", "year": "1985"},
    )
    assert proved.headers["Location"].endswith("/toestemming/vraag")
    assert answer(client, [["household", "contact_history"]]).status_code == 302
    record = session.scalar(select(ConsentRecord).where(ConsentRecord.method == "online"))
    assert record.categories == ["household", "contact_history"]
    assert client.get(f"/toestemming/bewijs/{record.receipt_id}.pdf").status_code == 200

    # Consent alone lets the coach into nothing (Scenario A, step 4: the caseworker refers) ...
    coach = new_client()
    coach_user = find_user_by_email(session, "ahmet@schuldhulp.example")
    login(coach, coach_user)
    url = f"/casussen/{record.case_id}/toestemming"
    assert coach.get(url).status_code == 404
    sanne = find_user_by_email(session, "sanne@corporatie.example")
    handover.send(
        session,
        staff_actor(sanne),
        record.case,
        purpose="debt_help",
        recipient_org_id=coach_user.organisation_id,
        note=None,
    )
    session.commit()
    # ... then the debt coach sees the household on the basis of that consent ...
    page = coach.get(url).get_data(as_text=True)
    assert f"toestemming nr. {record.id}" in page
    # ... until the tenant withdraws it: the very next request shows it withheld.
    client.post_form(f"/toestemming/mijn/{record.id}/intrekken", {"categories": ["household"]})
    page = coach.get(url).get_data(as_text=True)
    household = re.search(r"Huishouden</th>(.*?)</tr>", page, re.S).group(1)
    assert "toestemming ingetrokken" in household
    assert "demo tenant already answered" in _demo(app)
