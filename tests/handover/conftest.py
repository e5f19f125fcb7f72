"""Fixtures for referrals: the demo covenant, a corporation case and each side's staff."""

from __future__ import annotations

import pytest

from portal.actor import staff_actor


def refer(session, people, case, note: str | None = None):
    """The corporation refers ``case`` to the debt coach (the first rung of debt help)."""
    from handover import service

    return service.send(
        session,
        people["corporatie"][1],
        case,
        purpose="debt_help",
        recipient_org_id=people["schuldhulp"][0].organisation_id,
        note=note,
    )


@pytest.fixture(autouse=True)
def _grants_checked(grants_follow_the_records):
    """Every test here ends with the grants table agreeing with the referrals."""


@pytest.fixture
def people(demo_covenant, make_user):
    """One caseworker per demo partner, as users and as actors."""
    users = {slug: make_user(slug) for slug in ("corporatie", "schuldhulp", "welzijn", "zorg")}
    return {slug: (user, staff_actor(user)) for slug, user in users.items()}


@pytest.fixture
def case(people, make_case):
    return make_case("corporatie", surname="Testpersoon")


@pytest.fixture
def give_consent(session, people, case):
    """The tenant's consent on paper, recorded by the corporation: ``{org slug: [categories]}``
    for debt help; returns the records per organisation slug."""
    from consent import service as consent_service

    roles = {"schuldhulp": "debt_coach", "welzijn": "welfare"}

    def give(per_org: dict[str, list[str]]):
        items = [
            {
                "role": roles[slug],
                "organisation_id": people[slug][0].organisation_id,
                "categories": categories,
            }
            for slug, categories in per_org.items()
        ]
        records = consent_service.record_offline(
            session,
            people["corporatie"][1],
            case,
            person_id=case.persons[0].id,
            purpose="debt_help",
            items=items,
            method="paper",
            language="nl",
            valid_days=365,
            evidence=consent_service.Evidence(b"%PDF-1.4 form", "application/pdf"),
        ).records
        session.flush()
        by_org = {r.recipient_organisation_id: r for r in records}
        return {slug: by_org[people[slug][0].organisation_id] for slug in per_org}

    return give
