"""The municipality's system records the outcome of an early signal: the model's list only,
its own reason kept from the sender, a stale version refused, another's signal not found."""

from __future__ import annotations

from sqlalchemy import select

from handover.earlysignal.models import EarlySignal
from tests.api.conftest import bearer

REASON = "Verblijft tijdelijk bij familie in het buitenland."


def test_record_an_outcome_with_its_own_reason(session, api, register, token, send_signal):
    signal = send_signal()
    session.commit()
    url = f"/api/v1/early-signals/{signal.referral_id}/outcome"
    value = token(register("schuldhulp", "referrals:write"))
    version = signal.version
    for bad in (
        {"version": version, "outcome": "made_up"},
        {"version": version, "outcome": "not_picked_up_other", "outcome_on": "2026-02-30"},
        {"version": version},
    ):
        assert api.post(url, json=bad, headers=bearer(value)).status_code == 422, bad
    refused = api.post(
        url, json={"version": version, "outcome": "not_picked_up_other"}, headers=bearer(value)
    )
    assert refused.status_code == 400  # "other reason" needs its reason
    stale = {"version": version + 3, "outcome": "deceased"}
    assert api.post(url, json=stale, headers=bearer(value)).status_code == 409
    response = api.post(
        url,
        json={"version": version, "outcome": "not_picked_up_other", "reason": REASON},
        headers=bearer(value),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["closed"] is True and answer["outcome"] == "not_picked_up_other"
    assert REASON not in response.get_data(as_text=True)
    session.expire_all()
    stored = session.scalars(select(EarlySignal).where(EarlySignal.id == signal.id)).one()
    assert stored.closed and stored.outcome == "not_picked_up_other"


def test_another_organisations_signal_is_not_found(session, api, register, token, send_signal):
    signal = send_signal()
    session.commit()
    url = f"/api/v1/early-signals/{signal.referral_id}/outcome"
    for org in ("welzijn", "corporatie"):
        value = token(register(org, "referrals:write"))
        body = {"version": signal.version, "outcome": "deceased"}
        assert api.post(url, json=body, headers=bearer(value)).status_code == 404
