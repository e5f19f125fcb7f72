"""A partner whose involvement the covenant hides (care: ``involvement_visible = false``) is
not named to other partners in the log, and cannot be searched for; the tenant sees it."""

from __future__ import annotations

import csv
import io

import pytest

from portal.actor import Actor
from portal.audit.service import record
from portal.audit.transparency import accesses_for_person
from tests.audit.conftest import as_actor

CARE_NAME = "Zorggroep Demostad"


@pytest.fixture
def looked_at_by_care(session, make_case, make_user, demo_covenant):
    case = make_case("corporatie")
    care_worker = make_user("zorg")
    record(
        session,
        as_actor(care_worker),
        "case.view",
        case_id=case.id,
        categories=["health"],
        basis="consent:3",
        detail={"bases": {"health": "consent:3"}, "withheld": {}},
    )
    return case, care_worker


def test_the_case_history_does_not_name_the_care_partner(
    client, make_user, login, looked_at_by_care
):
    case, _ = looked_at_by_care
    login(client, make_user("corporatie", ("team_manager",)))
    html = client.get(f"/casussen/{case.id}/inzage").get_data(as_text=True)
    assert "Gezondheid" in html  # what was seen is still on record
    assert "Een andere ketenpartner (betrokkenheid afgeschermd)" in html
    assert CARE_NAME not in html and "Zorg<" not in html and "Zorg," not in html


def test_the_auditor_view_and_export_do_not_name_it_either(
    client, make_user, login, looked_at_by_care, make_org
):
    case, care_worker = looked_at_by_care
    login(client, make_user("corporatie", ("auditor",)))
    html = client.get(f"/audit?casus={case.reference}").get_data(as_text=True)
    assert "betrokkenheid afgeschermd" in html and CARE_NAME not in html
    # Searching by the care partner would tell whether it is involved: not a choice.
    assert f'value="{care_worker.organisation_id}"' not in html
    assert client.get(f"/audit?organisatie={care_worker.organisation_id}").status_code == 400
    response = client.get(f"/audit/export.csv?casus={case.reference}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:])))
    care_rows = [r for r in rows[1:] if r[9] == "case.view" and "Gezondheid" in r[11]]
    [row] = care_rows
    assert row[2] == "Een andere ketenpartner (betrokkenheid afgeschermd)"
    assert row[3] == row[4] == row[5] == row[14] == row[15] == ""
    assert CARE_NAME not in response.get_data(as_text=True)


def test_the_care_partner_itself_and_the_tenant_see_the_name(
    session, client, make_user, login, looked_at_by_care
):
    case, _care_worker = looked_at_by_care
    login(client, make_user("zorg", ("auditor",)))
    html = client.get("/audit").get_data(as_text=True)
    assert CARE_NAME in html and "betrokkenheid afgeschermd" not in html
    tenant = Actor(kind="tenant", person_id=case.persons[0].id)
    [first, *_] = accesses_for_person(session, tenant, tenant.person_id).accesses
    assert first.organisation.startswith(CARE_NAME) and first.role == "Zorg"
    assert first.categories == ("Gezondheid",)
