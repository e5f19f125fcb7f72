"""Letters are groundwork: recorded on the case page like contact attempts, and the legal
steps read them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.cases.models import GROUNDWORK_MODELS, Letter
from portal.crypto.fields import decrypt_field
from portal.workdays import local_today
from tests.signalling.conftest import HX


def _count(session, case) -> int:
    return session.scalar(select(func.count(Letter.id)).where(Letter.case_id == case.id))


def test_a_letter_is_a_groundwork_item_of_the_contact_history():
    assert Letter in GROUNDWORK_MODELS
    assert Letter.__category__ == "contact_history"


def test_record_a_letter_on_the_case_page(session, signed_in, steps_case):
    case = steps_case(reminder=False, points_to_help=False)
    response = signed_in.post_form(
        f"/casussen/{case.id}/brieven/nieuw",
        {
            "sent_on": str(local_today()),
            "kind": "summons",
            "points_to_help": "yes",
            "data_offer": "no",
            "note": "Aanmaning met folder.",
        },
        headers=HX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "De brief is vastgelegd." in html and "Aanmaning met folder." in html
    letter = session.scalars(select(Letter).where(Letter.case_id == case.id)).one()
    assert decrypt_field(letter, "kind") == "summons"
    assert decrypt_field(letter, "points_to_help") is True
    assert decrypt_field(letter, "data_offer") is False
    page = signed_in.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "Aanmaning" in page and 'id="brieven"' in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "reminder", "points_to_help": "yes", "data_offer": "yes"}, "sent_on"),
        (
            {
                "sent_on": "2099-01-01",
                "kind": "reminder",
                "points_to_help": "yes",
                "data_offer": "yes",
            },
            "sent_on",
        ),
        (
            {"sent_on": "{today}", "kind": "fax", "points_to_help": "yes", "data_offer": "yes"},
            "kind",
        ),
        ({"sent_on": "{today}", "kind": "reminder", "data_offer": "yes"}, "points_to_help"),
        (
            {
                "sent_on": "{today}",
                "kind": "reminder",
                "points_to_help": "maybe",
                "data_offer": "yes",
            },
            "points_to_help",
        ),
        ({"sent_on": "{today}", "kind": "reminder", "points_to_help": "yes"}, "data_offer"),
        (
            {
                "sent_on": "{today}",
                "kind": "reminder",
                "points_to_help": "yes",
                "data_offer": "no",
                "note": "x" * 501,
            },
            "note",
        ),
        (
            {
                "sent_on": "{today}",
                "kind": "reminder\x00",
                "points_to_help": "yes",
                "data_offer": "no",
            },
            "kind",
        ),
    ],
)
def test_a_bad_letter_is_refused_and_changes_nothing(session, signed_in, steps_case, data, field):
    case = steps_case(reminder=False, points_to_help=False)
    data = {k: v.format(today=local_today()) for k, v in data.items()}
    before = _count(session, case)
    events = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "groundwork.add")
    )
    response = signed_in.post_form(f"/casussen/{case.id}/brieven/nieuw", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'href="#letter-{field}"' in html  # the error summary links to the field
    assert _count(session, case) == before
    assert (
        session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "groundwork.add")
        )
        == events
    )


def test_ids_beyond_the_integer_range_are_not_found(signed_in, steps_case):
    case = steps_case()
    assert signed_in.get(f"/casussen/{case.id}/brieven/{2**31}").status_code == 404
    assert signed_in.get(f"/casussen/{2**63}/brieven/nieuw").status_code == 404


def test_another_organisation_cannot_record_or_change_a_letter(
    session, client, login, make_user, steps_case
):
    case = steps_case()
    letter = session.scalars(select(Letter).where(Letter.case_id == case.id)).first()
    session.commit()
    login(client, make_user("schuldhulp"))
    assert client.get(f"/casussen/{case.id}/brieven/nieuw").status_code == 404
    assert client.get(f"/casussen/{case.id}/brieven/{letter.id}").status_code == 404
