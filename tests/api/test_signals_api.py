"""Signals from a partner's system: the monthly file's rules, all or nothing, each refusal
named by its place and never its value; repeated signals update the open case."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.cases import fake_bsns
from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.workdays import local_today
from tests.api.conftest import bearer


def _signal(number: str, **overrides):
    today = local_today()
    signal = {
        "bsn": number,
        "initials": "T.",
        "prefix": "van",
        "surname": "Apihuurder",
        "birth_date": "1980-05-17",
        "street": "Proefstraat",
        "house_number": "12",
        "house_number_suffix": "A",
        "postcode": "1234 AB",
        "city": "Demostad",
        "arrears_cents": 125_050,
        "arrears_since": today.replace(day=1).isoformat(),
        "signal_date": today.isoformat(),
    }
    signal.update(overrides)
    return {k: v for k, v in signal.items() if v is not None}


def _cases(session) -> int:
    return session.scalar(select(func.count()).select_from(Case))


def test_post_signals_opens_cases_and_a_repeat_updates_them(session, api, register, token):
    value = token(register("corporatie", "signals:write"))
    bsns = fake_bsns(200_000_000)
    body = {"signals": [_signal(next(bsns)), _signal(next(bsns), prefix=None)]}
    before = _cases(session)
    response = api.post("/api/v1/signals", json=body, headers=bearer(value))
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["created"] == 2 and answer["updated"] == 0
    assert [item["index"] for item in answer["items"]] == [0, 1]
    assert "Apihuurder" not in response.get_data(as_text=True)
    assert _cases(session) == before + 2
    again = api.post("/api/v1/signals", json=body, headers=bearer(value)).get_json()
    assert again["created"] == 0 and again["updated"] == 2
    session.commit()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "signals.api")).first()
    assert event is not None and event.actor_label.startswith("api:")


def test_every_bad_value_is_named_by_place_and_nothing_is_stored(session, api, register, token):
    value = token(register("corporatie", "signals:write"))
    bsns = fake_bsns(300_000_000)
    good, twice = next(bsns), next(bsns)
    body = {
        "signals": [
            _signal(good),
            _signal(next(bsns), birth_date="1890-01-01"),
            _signal(next(bsns), birth_date="2999-01-01"),
            _signal(next(bsns), signal_date="2001-01-01"),
            _signal("123456789"),  # fails the elfproef
            _signal(twice),
            _signal(twice),
            _signal(next(bsns), birth_date="2023-02-30"),
        ]
    }
    before = _cases(session)
    response = api.post("/api/v1/signals", json=body, headers=bearer(value))
    assert response.status_code == 422
    problem = response.get_json()
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {
        "/signals/1/birth_date",
        "/signals/2/birth_date",
        "/signals/3/signal_date",
        "/signals/4/bsn",
        "/signals/6/bsn",
        "/signals/7/birth_date",
    } <= pointers
    assert "/signals/0/bsn" not in pointers
    text = response.get_data(as_text=True)
    assert "1890" not in text and "123456789" not in text and "Apihuurder" not in text
    assert _cases(session) == before


def test_control_characters_and_odd_numbers_are_refused_before_parsing(api, register, token):
    value = token(register("corporatie", "signals:write"))
    bsn = next(fake_bsns(400_000_000))
    for bad in (
        {"surname": "Evil\u202eName"},
        {"street": "Nul\x00straat"},
        {"city": "Zero\u200bWidth"},
        {"arrears_cents": 10**30},
        {"arrears_cents": -5},
        {"arrears_cents": 12.5},
        {"arrears_cents": "100"},
        {"birth_date": "17-05-1980"},
        {"bsn": "12345678901234567890"},
        {"extra": "field"},
    ):
        response = api.post(
            "/api/v1/signals", json={"signals": [_signal(bsn, **bad)]}, headers=bearer(value)
        )
        assert response.status_code == 422, bad
        assert response.get_json()["errors"][0]["pointer"].startswith("/signals/0/"), bad
    for body in ({}, {"signals": []}, {"signals": "x"}, [], "x"):
        response = api.post("/api/v1/signals", json=body, headers=bearer(value))
        assert response.status_code == 422, body


def test_problems_speak_dutch_or_english(api, register, token):
    value = token(register("corporatie", "signals:write"))
    for language, word in (("nl", "ontbreekt"), ("en", "missing")):
        response = api.post(
            "/api/v1/signals",
            json={"signals": [{}]},
            headers={**bearer(value), "Accept-Language": language},
        )
        assert response.status_code == 422
        assert word in response.get_json()["errors"][0]["detail"].lower(), language
