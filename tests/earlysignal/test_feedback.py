"""What the signalling partner learns of its signal: picked up or not, and the outcomes meant
for it (repeat, unjustified, deceased, no longer a resident) — never the municipality's reason,
another outcome, or a contact attempt. ``policy.sender_feedback`` decides; the pages follow.

The walk below fetches every GET route of the URL map (pages and htmx fragments) with the ids
of the signals' cases and referrals filled in, as each account of the corporation, and looks
for the municipality's reason, the withheld outcomes' words and its contact attempts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handover.earlysignal import service
from handover.earlysignal.models import EITHER, NOT_PICKED_UP, OUTCOMES, SHARED_WITH_SENDER
from handover.earlysignal.policy import Feedback, sender_feedback
from portal.actor import staff_actor
from tests.conftest import Client
from tests.test_privacy_sweep import body_text, ids_of

NOW = datetime(2027, 3, 10, 9, tzinfo=UTC)
SECRET = "GeheimeRedenVanDeGemeente"
#: Words only the municipality's records produce on a page.
WITHHELD_WORDS = (
    SECRET,
    "andere reden",
    "Kaartje door de deur",
    "Vervolghulp",
    "Contactpogingen van de gemeente",
    "Eerste gesprek",
    "Besluit over schuldhulp",
    "overdracht voor schuldhulp",
)


@pytest.mark.parametrize("code", OUTCOMES)
def test_the_sender_learns_only_what_the_model_permits(session, people, send_signal, code):
    signal = send_signal()
    assert sender_feedback(signal) == Feedback("waiting")
    service.record_outcome(
        session, people["schuldhulp"][1], signal, code, "Reden.", version=None, now=NOW
    )
    feedback = sender_feedback(signal)
    assert feedback.outcome == (code if code in SHARED_WITH_SENDER else None)
    expected = "not_picked_up" if code in NOT_PICKED_UP + EITHER else "picked_up"
    assert feedback.state == expected
    assert "Reden" not in feedback.text


def test_picked_up_is_all_the_sender_learns_of_the_work(session, people, send_signal):
    signal = send_signal()
    service.pick_up(session, people["schuldhulp"][1], signal, version=None, now=NOW)
    assert sender_feedback(signal) == Feedback("picked_up")
    service.record_attempt(
        session, people["schuldhulp"][1], signal,
        service.AttemptData("card", True, date(2027, 3, 9), day_part="evening"), now=NOW,
    )  # fmt: skip
    assert sender_feedback(signal) == Feedback("picked_up")


@pytest.fixture
def worked_signals(session, people, send_signal):
    """Three signals: not picked up for another reason (with the reason), picked up with
    contact attempts, an outcome the sender may not learn and a debt-help referral, and one
    not picked up as a repeat."""
    coach = people["schuldhulp"][1]
    other = send_signal()
    service.record_outcome(session, coach, other, "not_picked_up_other", SECRET, version=None,
                           now=NOW)  # fmt: skip
    worked = send_signal(crisis=True)
    for kind, reached in (("card", False), ("house_visit", True)):
        service.record_attempt(
            session, coach, worked,
            service.AttemptData(kind, reached, date(2027, 3, 9), day_part="evening"), now=NOW,
        )  # fmt: skip
    service.refer_to_debt_help(
        session, coach, worked, purpose="debt_help",
        recipient_org_id=people["schuldhulp"][0].organisation_id, note=None, version=None,
        now=NOW,
    )  # fmt: skip
    service.record_outcome(session, coach, worked, "follow_up_financial", SECRET,
                           version=None, now=NOW)  # fmt: skip
    repeat = send_signal()
    service.record_outcome(session, coach, repeat, "not_picked_up_repeat", SECRET,
                           version=None, now=NOW)  # fmt: skip
    session.commit()
    return other, worked, repeat


def _walk(app, login, user, urls: list[str]) -> dict[str, str]:
    """Every URL as a page and as an htmx fragment: the text of each answer shown."""
    app.test_client_class = Client
    found = {}
    for url in urls:
        client = login(app.test_client(), user)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, f"{url}: {response.status_code}"
            if response.status_code == 200:
                found[f"{url} {headers}"] = body_text(response)
    return found


def test_the_sender_never_sees_the_municipalitys_reason_anywhere(
    app, session, people, make_user, login, worked_signals
):
    urls = sorted(
        {url for s in worked_signals for url in ids_of(session, s.referral.case).urls(app)}
        | {"/overdrachten?weergave=verstuurd", "/vroegsignalen"}
    )
    municipality = _walk(app, login, people["schuldhulp"][0], urls)
    assert any(SECRET in text for text in municipality.values()), "the walk cannot fail"
    assert any("Kaartje door de deur" in text for text in municipality.values())
    corporation = {
        "caseworker": people["corporatie"][0],
        "admin+auditor": make_user("corporatie", ("org_admin", "auditor")),
    }
    for who, user in corporation.items():
        pages = _walk(app, login, user, urls)
        for url, text in pages.items():
            for word in WITHHELD_WORDS:
                assert word not in text, f"{who} saw {word!r} on {url}"
        if who == "caseworker":  # what it may learn, it does
            assert any("Niet opgepakt door de gemeente" in t for t in pages.values())
            assert any("herhaalde melding" in t for t in pages.values())


def test_the_signal_case_is_the_municipalitys_alone(app, session, people, login, send_signal):
    signal = send_signal()
    session.commit()
    app.test_client_class = Client
    for slug in ("corporatie", "welzijn"):
        client = login(app.test_client(), people[slug][0])
        assert client.get(f"/vroegsignalen/{signal.referral_id}").status_code == 404
        assert signal.referral.case.reference not in client.get("/vroegsignalen").get_data(
            as_text=True
        )
    assert staff_actor(people["schuldhulp"][0]).organisation_id == signal.recipient_org_id
