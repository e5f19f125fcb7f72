"""The shelter hand-over through the real app: the shelter point's page and its checklist
(once it accepted the referral), the corporation's view of it, the blocked bailiff step on
the decision page, Mijn werk, and referring the family again after a decline."""

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


def _act(client, referral_id: int, action: str, **fields: str):
    """A button on the referral's page (accept, decline), as the shelter point's inbox has it."""
    html = client.get(f"/overdrachten/{referral_id}").get_data(as_text=True)
    version = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', html)
    assert version is not None, f"no {action} button"
    data = {
        f"{action}-version": version.group(1),
        f"{action}-csrf_token": _token(html, action),
        **{f"{action}-{name}": value for name, value in fields.items()},
    }
    return client.post(f"/overdrachten/{referral_id}/{action}", data=data)


def _tick(client, handover_id: int, item: str, note: str = ""):
    html = client.get(f"/opvang/{handover_id}").get_data(as_text=True)
    data = {f"{item}-note": note, f"{item}-csrf_token": _token(html, item)}
    return client.post(f"/opvang/{handover_id}/{item}", data=data)


def _instruct_bailiff(corporation, decision):
    """The corporation records the bailiff's assignment, from the decision page's own form
    (which is only there once the shelter hand-over no longer holds it back)."""
    page = corporation.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Nog niet mogelijk" not in page
    return corporation.post(
        f"/besluiten/{decision.id}/deurwaarder",
        data={
            "bailiff-instructed_on": local_today().isoformat(),
            "bailiff-csrf_token": _token(page, "bailiff"),
        },
    )


def test_the_bailiff_step_waits_for_the_shelter_point(
    session, people, family_case, shelter_point, browse
):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    session.commit()
    corporation = browse(people["corporatie"][0])
    shelter = browse(shelter_point[0])

    page = corporation.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Nog niet mogelijk" in page and "School van de kinderen ingelicht" in page
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
    # Before it accepted the referral, the page says so and nothing can be ticked.
    own = shelter.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert "Accepteer eerst de overdracht van deze casus" in own
    assert "Afvinken:" not in own
    early = _tick(shelter, handover.id, "shelter_arranged", "Gezinshuis De Linde")
    assert early.status_code == 409
    assert "Accepteer eerst de overdracht" in early.get_data(as_text=True)
    assert "Gezinshuis De Linde" not in shelter.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert _act(shelter, handover.referral_id, "accept").status_code == 302
    assert "Accepteer eerst" not in shelter.get(f"/opvang/{handover.id}").get_data(as_text=True)
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

    assert _instruct_bailiff(corporation, decision).status_code == 302
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


def _refer_again(client, handover_id: int, **fields):
    html = client.get(f"/opvang/{handover_id}").get_data(as_text=True)
    data = {f"again-{k}": v for k, v in fields.items()}
    data["again-csrf_token"] = _token(html, "again")
    return client.post(f"/opvang/{handover_id}/opnieuw-aanmelden", data=data)


def test_after_a_decline_the_corporation_refers_the_family_again(
    session, people, family_case, shelter_point, browse
):
    decision = approve(session, people, family_case)
    handover = service.of_decision(session, decision.id)
    first = handover.referral_id
    session.commit()
    corporation = browse(people["corporatie"][0])
    shelter = browse(shelter_point[0])
    org = shelter_point[0].organisation.name

    assert _act(shelter, first, "decline", reason="Geen plek voor een gezin.").status_code == 302
    # The shelter point's Mijn werk no longer lists it; the corporation's asks to refer again.
    assert family_case.reference not in shelter.get("/mijn-werk").get_data(as_text=True)
    work = corporation.get("/mijn-werk").get_data(as_text=True)
    assert "Het meldpunt opvang heeft de overdracht afgewezen" in work
    assert "Opnieuw aanmelden" in work
    assert "Overdracht: Afgewezen" in corporation.get("/opvang").get_data(as_text=True)
    page = corporation.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert f"{org} heeft de overdracht afgewezen." in page
    assert "Geen plek voor een gezin." in page  # the reason, in the shelter point's words
    assert "Opnieuw aanmelden bij de opvang" in page
    assert "het convenant noemt geen ander meldpunt opvang" in page
    own = shelter.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert "Uw organisatie heeft deze overdracht niet meer" in own
    assert 'id="refer-again"' not in own
    # The decision page: still blocked, and why.
    blocked = corporation.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Nog niet mogelijk" in blocked
    assert f"{org} heeft de overdracht afgewezen." in blocked
    assert "Geen plek voor een gezin." in blocked
    assert f"/opvang/{handover.id}#refer-again" in blocked
    # The case page's line.
    case_page = corporation.get(f"/casussen/{family_case.id}").get_data(as_text=True)
    assert f"{org} heeft de overdracht afgewezen." in case_page
    assert "Opnieuw aanmelden bij de opvang" in case_page

    # The shelter point cannot refer again; a choice outside the covenant is refused.
    html = shelter.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert (
        shelter.post(
            f"/opvang/{handover.id}/opnieuw-aanmelden",
            data={"again-recipient": handover.organisation_id,
                  "again-csrf_token": _token(html, "again")},
        ).status_code
        == 403
    )  # fmt: skip
    wrong = _refer_again(corporation, handover.id, recipient=people["welzijn"][0].organisation_id)
    assert wrong.status_code == 400
    too_long = _refer_again(corporation, handover.id, recipient=handover.organisation_id,
                            note="x" * 1001)  # fmt: skip
    assert too_long.status_code == 400
    session.expire_all()
    assert service.of_decision(session, decision.id).referral_id == first  # nothing changed

    done = _refer_again(
        corporation, handover.id, recipient=handover.organisation_id, note="Na overleg gebeld."
    )
    assert done.status_code == 303
    page = corporation.get(f"/opvang/{handover.id}").get_data(as_text=True)
    assert f"Het gezin is opnieuw aangemeld bij {org}." in page
    assert "heeft de overdracht afgewezen" not in page
    assert "nog niet geaccepteerd" in page
    # A second click (a stale page) refers once.
    again = _refer_again(corporation, handover.id, recipient=handover.organisation_id)
    assert again.status_code == 409
    assert "Het gezin is al aangemeld bij het meldpunt opvang" in again.get_data(as_text=True)

    # The new referral is in the shelter point's inbox, waiting to be accepted.
    session.expire_all()
    newest = service.of_decision(session, decision.id).referral_id
    assert newest != first
    inbox = shelter.get("/overdrachten?weergave=wachtend").get_data(as_text=True)
    assert f"/overdrachten/{newest}" in inbox and f"/overdrachten/{first}" not in inbox
    assert family_case.reference in shelter.get("/mijn-werk").get_data(as_text=True)
    assert _act(shelter, newest, "accept").status_code == 302
    assert _tick(shelter, handover.id, "shelter_arranged", "Gezinshuis De Linde").status_code == 303
    assert _tick(shelter, handover.id, "school_informed").status_code == 303
    assert _tick(shelter, handover.id, "care_informed").status_code == 303

    assert _instruct_bailiff(corporation, decision).status_code == 302
