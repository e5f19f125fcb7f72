"""Fixtures for early signals: the demo covenant, a corporation case and each side's staff,
and a signal sent the way the corporation sends one (``handover.service.send``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.actor import staff_actor

#: Monday 1 March 2027, 10:00 in the Netherlands: four weeks later is Easter Monday.
SENT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the referrals."""


@pytest.fixture
def people(demo_covenant, make_user):
    users = {slug: make_user(slug) for slug in ("corporatie", "schuldhulp", "welzijn")}
    return {slug: (user, staff_actor(user)) for slug, user in users.items()}


@pytest.fixture
def case(people, make_case):
    return make_case("corporatie", surname="Testpersoon")


@pytest.fixture
def send_signal(session, people, make_case):
    """``send_signal(crisis=..., warm=..., now=...)``: a new case reported to the municipality;
    answers the signal case."""
    from handover import service
    from handover.earlysignal.models import EarlySignal

    def send(*, crisis=False, warm=False, now=SENT, case=None):
        case = case or make_case("corporatie", surname="Testpersoon")
        referral = service.send(
            session,
            people["corporatie"][1],
            case,
            purpose="early_signalling",
            recipient_org_id=people["schuldhulp"][0].organisation_id,
            note=None,
            crisis=crisis,
            warm_handover=warm,
            now=now,
        )
        return session.query(EarlySignal).filter_by(referral_id=referral.id).one()

    return send
