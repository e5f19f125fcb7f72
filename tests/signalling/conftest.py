"""Fixtures for early signalling: the demo covenant, the corporation's caseworker, and a case
whose groundwork meets every legal step (or as many as a test asks)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.actor import staff_actor
from portal.cases import groundwork
from portal.cases.service import create_case
from portal.workdays import local_today
from tests.conftest import SYSTEM, main_tenant


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the referrals."""


@pytest.fixture
def worker(demo_covenant, make_user):
    user = make_user("corporatie")
    return user, staff_actor(user)


def days_ago(n: int) -> date:
    return local_today() - timedelta(days=n)


@pytest.fixture
def steps_case(session, worker, make_org):
    """``steps_case(contact=..., points_to_help=..., reminder=..., offer=..., days=...)``:
    a corporation case with the groundwork for the steps asked (all met by default)."""
    _user, actor = worker

    def make(
        *,
        contact: bool = True,
        points_to_help: bool = True,
        reminder: bool = True,
        offer: bool = True,
        amount: int = 50_000,
        days: int = 60,
        **tenant: object,
    ):
        case = create_case(
            session,
            SYSTEM,
            make_org("corporatie"),
            [main_tenant(**tenant)],
            arrears_cents=amount,
            arrears_since=days_ago(days),
        )
        if contact:
            groundwork.add_contact_attempt(
                session,
                actor,
                case,
                groundwork.ContactAttemptData(days_ago(20), "phone", "not_reached", None),
            )
        if reminder or points_to_help:
            groundwork.add_letter(
                session,
                actor,
                case,
                groundwork.LetterData(
                    days_ago(10),
                    "reminder" if reminder else "other",
                    points_to_help=points_to_help,
                    data_offer=offer and reminder,
                ),
            )
        # Only a savepoint: a request that refuses and rolls back keeps the case.
        session.commit()
        return case

    return make


@pytest.fixture
def signed_in(client, login, worker, session):
    """A browser signed in as the corporation's caseworker (see tests/cases/conftest.py on
    why the fixtures are committed first)."""
    session.commit()
    return login(client, worker[0])


HX = {"HX-Request": "true"}
