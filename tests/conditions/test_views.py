"""A trajectory's conditions through the real app: the owner lists one, the partner reviews
it from its page, the owner records the end; nobody else finds any of it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handover.conditions import service
from portal.workdays import local_today
from tests.conftest import Client


@pytest.fixture
def browse(app, login):
    app.test_client_class = Client

    def make(user):
        return login(app.test_client(), user)

    return make


def _token(html: str, prefix: str) -> str:
    pattern = rf'name="{re.escape(prefix)}-csrf_token" type="hidden" value="([^"]+)"'
    found = re.search(pattern, html)
    assert found is not None, prefix
    return found.group(1)


def test_list_review_and_end_through_the_pages(session, people, trajectory, browse):
    session.commit()
    owner = browse(people["corporatie"][0])
    coach = browse(people["schuldhulp"][0])
    page_url = f"/trajecten/{trajectory.id}"
    html = owner.get(page_url).get_data(as_text=True)
    assert "Nog geen voorwaarden vastgelegd." in html
    coach_org = people["schuldhulp"][0].organisation_id
    added = owner.post(
        f"/trajecten/{trajectory.id}/voorwaarden",
        data={
            "condition-what": "Elke maand naar de budgetcoach.",
            "condition-organisation_id": str(coach_org),
            "condition-interval_weeks": "4",
            "condition-first_review_on": (local_today() + timedelta(days=7)).isoformat(),
            "condition-csrf_token": _token(html, "condition"),
        },
    )
    assert added.status_code == 303
    (condition,) = service.conditions_of(session, trajectory.id)
    # The coach finds it in Mijn werk and reviews it on its page.
    work = coach.get("/mijn-werk").get_data(as_text=True)
    assert "Voorwaarden van een traject toetsen" in work and trajectory.case.reference in work
    review_url = f"/voorwaarden/{condition.id}/toetsen"
    form = coach.get(review_url).get_data(as_text=True)
    # Under the trajectory's purpose the coach reads the household's texts with the tenant's
    # consent only (the demo covenant): without it the condition is withheld, with the reason.
    assert "Elke maand naar de budgetcoach." not in form
    assert "geen toestemming van de huurder" in form
    refused = coach.post(
        review_url,
        data={"review-result": "breached", "review-note": "",
              "review-csrf_token": _token(form, "review")},
    )  # fmt: skip
    assert refused.status_code == 400
    done = coach.post(
        review_url,
        data={"review-result": "breached", "review-note": "Afspraak gemist.",
              "review-csrf_token": _token(form, "review"),
              "review-task": re.search(r'name="review-task" type="hidden" value="(\d+)"',
                                       form).group(1)},
    )  # fmt: skip
    assert done.status_code == 303
    assert "Afspraak gemist." in owner.get(page_url).get_data(as_text=True)
    # The owner does not review the coach's condition.
    assert owner.post(review_url, data={"review-result": "kept"}).status_code in (400, 403)

    html = owner.get(page_url).get_data(as_text=True)
    ended = owner.post(
        f"/trajecten/{trajectory.id}/einde",
        data={"end-result": "broken", "end-ended_on": local_today().isoformat(),
              "end-motivation": "Afspraken niet nagekomen.",
              "end-csrf_token": _token(html, "end")},
    )  # fmt: skip
    assert ended.status_code == 303
    page = owner.get(page_url).get_data(as_text=True)
    assert "Verbroken" in page and "Einde vastleggen" not in page


def test_nobody_else_finds_the_trajectory(session, people, trajectory, browse):
    condition = service.add_condition(
        session, people["corporatie"][1], trajectory, what="Elke maand de huur betalen.",
        organisation_id=people["corporatie"][0].organisation_id, interval_weeks=4,
        first_review_on=local_today(),
    )  # fmt: skip
    session.commit()
    outsider = browse(people["welzijn"][0])
    for url in (
        f"/trajecten/{trajectory.id}",
        f"/voorwaarden/{condition.id}/toetsen",
        "/trajecten/99999999999999999999",
    ):
        assert outsider.get(url).status_code == 404, url
