"""The shelter hand-over through the real app: the shelter point's page and its checklist,
the corporation's view of it, the blocked bailiff step on the decision page, Mijn werk."""

from __future__ import annotations

import re

import pytest

from handover.shelter import service
from portal.workdays import local_today
from tests.conftest import Client
from tests.shelter.conftest import approve


@pytest.fixture
def browse(app, login):
    app.test_client_class = Client

    def make(user):
        return login(app.test_client(), user)

    return make


def _token(html: str, prefix: str) -> str:
    """The form's own token, or (no form: a stale page's button) any token of the session."""
    pattern = rf'name="{re.escape(prefix)}-csrf_token" type="hidden" value="([^"]+)"'
    found = re.search(pattern, html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _tick(client, handover_id: int, item: str, note: str = ""):
    html = client.get(f"/opvang/{handover_id}").get_data(as_text=True)
    data = {f"{item}-note": note, f"{item}-csrf_token": _token(html, item)}
    return client.post(f"/opvang/{handover_id}/{item}", data=data)


def test_the_bailiff_step_waits_for_the_shelter_point(
    session, people, family_case, shelter_point, browse
):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    session.commit()
    corporation = browse(people["corporatie"][0])
    shelter = browse(shelter_point[0])

    page = corporation.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Nog niet mogelijk" in page and "school van de kinderen ingelicht" in page
    assert "Opdracht aan de deurwaarder vastleggen" not in page  # no button while blocked
    # A stale page's button (any valid token of the session) is refused with the reason.
    token = re.search(r'csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = corporation.post(
        f"/besluiten/{decision.id}/deurwaarder",
        data={"bailiff-instructed_on": local_today().isoformat(),
              "bailiff-csrf_token": token},
    )  # fmt: skip
    assert refused.status_code == 409
    assert "Nog niet gedaan" in refused.get_data(as_text=True)

    work = shelter.get("/mijn-werk").get_data(as_text=True)
    assert "Opvang voorbereiden" in work and family_case.reference in work
    assert "Opvang na ontruiming nog niet voorbereid" in corporation.get("/mijn-werk").get_data(
        as_text=True
    )
    missing_note = _tick(shelter, handover.id, "shelter_arranged")
    assert missing_note.status_code == 400
    assert "Schrijf waar het gezin terechtkan" in missing_note.get_data(as_text=True)
    assert _tick(shelter, handover.id, "shelter_arranged", "Gezinshuis De Linde").status_code == 303
    # The corporation cannot tick the shelter point's items, and does not read where.
    assert _tick(corporation, handover.id, "school_informed").status_code == 403
    own = shelter.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert "Gezinshuis De Linde" in own
    assert "Gezinshuis De Linde" not in corporation.get(f"/opvang/{handover.id}").get_data(
        as_text=True
    )
    assert _tick(shelter, handover.id, "school_informed").status_code == 303
    assert _tick(shelter, handover.id, "care_informed").status_code == 303
    assert _tick(shelter, handover.id, "care_informed").status_code in (400, 404, 409)

    page = corporation.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Nog niet mogelijk" not in page
    done = corporation.post(
        f"/besluiten/{decision.id}/deurwaarder",
        data={
            "bailiff-instructed_on": local_today().isoformat(),
            "bailiff-csrf_token": _token(page, "bailiff"),
        },
    )
    assert done.status_code == 302
    page = corporation.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Opdracht gegeven op" in page


def test_nobody_else_finds_the_hand_over(session, people, family_case, shelter_point, browse):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    session.commit()
    outsider = browse(people["welzijn"][0])
    assert outsider.get(f"/opvang/{handover.id}").status_code == 404
    assert outsider.get("/opvang/99999999999999999999").status_code == 404
    assert family_case.reference not in outsider.get("/opvang").get_data(as_text=True)
    shelter = browse(shelter_point[0])
    assert family_case.reference in shelter.get("/opvang").get_data(as_text=True)
    assert shelter.get(f"/opvang/{handover.id}").status_code == 200
