"""Fixtures for joint decisions: the demo covenant, each partner's caseworker, a household."""

from __future__ import annotations

from datetime import date

import pytest

from handover.decisions import service
from portal.actor import staff_actor
from tests.conftest import main_tenant

PARTNERS = ("corporatie", "schuldhulp", "crisisteam", "welzijn", "zorg")


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the decisions."""


@pytest.fixture
def people(demo_covenant, make_user):
    """One caseworker per demo partner, as (user, actor)."""
    return {slug: (u := make_user(slug), staff_actor(u)) for slug in PARTNERS}


@pytest.fixture
def family_case(people, make_case):
    """A mother and two children (minors): care must vote on an eviction."""
    return make_case(
        "corporatie",
        surname="Demir",
        members=(
            main_tenant(
                surname="Demir", initials="E.", bsn=None, phone=None, email=None,
                birth_date=date(2014, 3, 1), is_main_tenant=False, minor=True,
            ),
            main_tenant(
                surname="Demir", initials="K.", bsn=None, phone=None, email=None,
                birth_date=date(2017, 9, 9), is_main_tenant=False, minor=True,
            ),
        ),
    )  # fmt: skip


@pytest.fixture
def single_case(people, make_case):
    """A tenant living alone: no minors, so care does not vote."""
    return make_case("corporatie", surname="Alleen")


MOTIVATION = "Drie keer gebeld, twee brieven en een huisbezoek; geen betaling."


def open_eviction(session, people, case, kind="eviction", **overrides):
    values = {
        "kind": kind,
        "grounds": ["arrears", "nuisance"],
        "court_status": "judgment",
        "judgment_date": date(2026, 10, 1),
        "motivation": "Achterstand loopt op en overlast houdt aan na de regeling.",
    }
    values.update(overrides)
    return service.open_decision(session, people["corporatie"][1], case, **values)


def confirm_all(session, people, decision):
    """Every prevention step confirmed, and the tenant heard."""
    covenant = service.covenant_for(session, decision)
    for step in covenant.required_prevention_steps(decision.kind):
        service.confirm_step(session, people["corporatie"][1], decision, step, MOTIVATION)
    service.record_hearing(
        session, people["corporatie"][1], decision, "in_person", "Gesprek met de huurder."
    )


def ready_to_vote(session, people, case, kind="eviction", with_alternative=True, **overrides):
    """An opened decision with every step confirmed (and the alternative), voting open."""
    decision = open_eviction(session, people, case, kind, **overrides)
    confirm_all(session, people, decision)
    covenant = service.covenant_for(session, decision)
    kinds = service.trajectory_kinds(covenant, decision)
    if kinds and (with_alternative or covenant.decision(kind).effect == "trajectory"):
        service.prepare_trajectory(
            session,
            people["corporatie"][1],
            decision,
            kind=kinds[0],
            months=24,
            conditions="Elke maand de huur op tijd betalen; geen overlast.",
            support_agreement="Begeleid wonen en een budgetcoach.",
        )
    service.open_voting(session, people["corporatie"][1], decision)
    return decision
