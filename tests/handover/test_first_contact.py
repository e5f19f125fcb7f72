"""A referral's first contact is the receiver's contact attempt that reached the tenant: its
date, channel and note are recorded once, on the case, and the referral follows (no second,
date-less click). Help started carries the day it started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handover import service
from handover.models import Referral
from portal.cases import groundwork
from portal.cases.models import ContactAttempt
from portal.errors import DomainError
from portal.workdays import local_date, local_today, start_of_local_day
from tests.handover.conftest import refer
from tests.handover.test_views import _token, _version


def _reach(session, actor, case, day, outcome="reached"):
    return groundwork.add_contact_attempt(
        session, actor, case, groundwork.ContactAttemptData(day, "phone", outcome, "Gebeld.")
    )


@pytest.fixture
def accepted(session, people, case, give_consent):
    """Accepted by the debt coach, whose package holds the contact history (by consent)."""
    give_consent({"schuldhulp": [ContactAttempt.__category__]})
    referral = refer(session, people, case)
    assert ContactAttempt.__category__ in referral.categories
    return service.accept(session, people["schuldhulp"][1], referral, version=referral.version)


def test_the_receivers_reached_attempt_is_the_first_contact(session, people, case, accepted):
    coach = people["schuldhulp"][1]
    attempt = _reach(session, coach, case, local_today())
    session.refresh(accepted)
    assert accepted.status == "in_progress"
    assert accepted.first_contact_attempt_id == attempt.id
    assert local_date(accepted.first_contact_at) == local_today()
    assert [e.kind for e in accepted.events][-1] == "first_contact"
    # Reached again: still the first one.
    _reach(session, coach, case, local_today())
    session.refresh(accepted)
    assert accepted.first_contact_attempt_id == attempt.id
    assert [e.kind for e in accepted.events].count("first_contact") == 1


def test_not_reached_or_someone_elses_attempt_is_not_the_first_contact(
    session, people, case, accepted
):
    _reach(session, people["schuldhulp"][1], case, local_today(), outcome="not_reached")
    _reach(session, people["corporatie"][1], case, local_today())  # the sender reached her
    session.refresh(accepted)
    assert accepted.status == "accepted"
    assert accepted.first_contact_at is None and accepted.first_contact_attempt_id is None


def test_an_attempt_before_the_referral_was_accepted_does_not_count(
    session, people, case, accepted
):
    accepted.accepted_at = start_of_local_day(local_today())
    session.flush()
    _reach(session, people["schuldhulp"][1], case, local_today() - timedelta(days=3))
    session.refresh(accepted)
    assert accepted.first_contact_at is None


def test_a_correction_to_reached_is_the_first_contact(session, people, case, accepted):
    coach = people["schuldhulp"][1]
    attempt = _reach(session, coach, case, local_today(), outcome="not_reached")
    corrected = groundwork.ContactAttemptData(local_today(), "house_visit", "reached")
    groundwork.update_contact_attempt(session, coach, attempt, corrected)
    session.refresh(accepted)
    assert accepted.first_contact_attempt_id == attempt.id


def test_reported_steps_keep_their_own_day(session, people, case, accepted):
    coach = people["schuldhulp"][1]
    accepted.accepted_at -= timedelta(days=5)
    session.flush()
    with pytest.raises(DomainError):
        service.report(
            session,
            coach,
            accepted,
            "first_contact",
            on=local_today() + timedelta(days=1),
            version=accepted.version,
        )
    with pytest.raises(DomainError):
        service.report(
            session,
            coach,
            accepted,
            "first_contact",
            on=local_today() - timedelta(days=30),
            version=accepted.version,
        )
    two_days_ago = local_today() - timedelta(days=2)
    referral = service.report(
        session, coach, accepted, "first_contact", on=two_days_ago, version=accepted.version
    )
    assert local_date(referral.first_contact_at) == two_days_ago
    assert referral.first_contact_attempt_id is None
    referral = service.report(
        session, coach, referral, "help_started", on=local_today(), version=referral.version
    )
    assert local_date(referral.help_started_at) == local_today()


def test_referral_page_leads_to_the_contact_attempt_and_dates_help_started(
    client, login, session, people, case, accepted
):
    client = login(client, people["schuldhulp"][0])
    page = client.get(f"/overdrachten/{accepted.id}").get_data(as_text=True)
    assert f"/casussen/{case.id}/contactpogingen/nieuw" in page
    assert 'name="first_contact-version"' not in page  # no second, date-less button
    response = client.post_form(
        f"/casussen/{case.id}/contactpogingen/nieuw",
        {
            "attempted_on": local_today().isoformat(),
            "channel": "house_visit",
            "outcome": "reached",
            "note": "",
        },
    )
    assert response.status_code == 303
    referral = session.scalar(select(Referral).where(Referral.id == accepted.id))
    session.refresh(referral)
    assert referral.first_contact_attempt_id is not None
    page = client.get(f"/overdrachten/{accepted.id}").get_data(as_text=True)
    assert f"#contactpoging-{referral.first_contact_attempt_id}" in page

    bad = client.post(
        f"/overdrachten/{accepted.id}/help_started",
        data={
            "help_started-version": _version(page, "help_started"),
            "help_started-csrf_token": _token(page),
            "help_started-on": "31-31-2026",
        },
    )
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    done = client.post(
        f"/overdrachten/{accepted.id}/help_started",
        data={
            "help_started-version": _version(page, "help_started"),
            "help_started-csrf_token": _token(page),
            "help_started-on": local_today().isoformat(),
        },
    )
    assert done.status_code == 302
    session.refresh(referral)
    assert local_date(referral.help_started_at) == local_today()
