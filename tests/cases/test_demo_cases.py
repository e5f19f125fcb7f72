"""The demo loads the Scenario A household for the corporation, and a realistic inbox, once."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.cases.models import Case, ContactAttempt, LifeMapEntry
from portal.cases.service import find_cases_by_bsn, is_minor
from portal.crypto.fields import decrypt_field
from portal.demo import SCENARIO_A_BSN
from tests.conftest import SYSTEM


def test_demo_creates_scenario_a_once(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    cases = session.scalar(select(func.count(Case.id)))
    assert cases >= 6
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert session.scalar(select(func.count(Case.id))) == cases

    (case,) = find_cases_by_bsn(session, SYSTEM, SCENARIO_A_BSN)
    assert case.organisation.slug == "corporatie" and case.signal_kinds == ["arrears"]
    mother, *children = case.persons
    assert mother.is_main_tenant and decrypt_field(mother, "email") is None
    assert len(children) == 2 and all(is_minor(child) for child in children)
    assert decrypt_field(case, "arrears_months") == 2
    attempts = session.scalars(
        select(ContactAttempt).where(ContactAttempt.case_id == case.id).order_by(ContactAttempt.id)
    ).all()
    assert [(decrypt_field(a, "channel"), decrypt_field(a, "outcome")) for a in attempts] == [
        ("phone", "not_reached"),
        ("whatsapp", "not_reached"),
        ("house_visit", "reached"),
    ]
    life = {
        e.domain: decrypt_field(e, "status")
        for e in session.scalars(select(LifeMapEntry).where(LifeMapEntry.case_id == case.id))
    }
    assert set(life) == {"finances", "work_income", "family", "social_network"}
    assert life["finances"] == "worried"
