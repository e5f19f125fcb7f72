"""Every display of personal data writes exactly one audit event: N page views, N events.

A case page decrypts through the policy point (``portal.sharing.reveal``), which writes one
``case.view`` event per call. The check runs on a case page built the way views are built
(a test blueprint: load through policy, reveal, render), and on every GET page of one case
that the portal itself has (any rule whose only argument is ``case_id``): a page that shows
the tenant's data must write one event per view, a page that shows none writes none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, render_template_string
from sqlalchemy import func, select

from portal import create_app, sharing
from portal.access import staff
from portal.actor import current_actor
from portal.audit.models import AuditEvent
from portal.cases.policy import load_case
from portal.extensions import db
from tests.conftest import Client, make_test_config

VIEWS = 4
SURNAME = "Zeldzaamnaam"

PAGE = """<h1>{{ case.reference }}</h1>
<ul>{% for person in case.persons %}
<li>{{ shown.get(person, "surname") }}, {{ shown.get(person, "initials") }},
{{ shown.get(person, "birth_date") }}, {{ shown.get(person, "phone") }}</li>{% endfor %}</ul>
<p>{{ shown.get(case, "arrears_cents") }}</p>"""


def _case_page_blueprint() -> Blueprint:
    bp = Blueprint("display_test", __name__)

    @bp.get("/test-casus/<int:case_id>")
    @staff()
    def show(case_id: int):
        actor = current_actor()
        case = load_case(db.session, actor, case_id)
        fields = {p: ["surname", "initials", "birth_date", "phone"] for p in case.persons}
        shown = sharing.reveal(
            db.session, actor, case, [*fields.items(), (case, ["arrears_cents"])]
        )
        db.session.commit()
        return render_template_string(PAGE, case=case, shown=shown)

    return bp


@pytest.fixture
def display_client(app, session, database_url):
    """A second app (same database connection, same keys) with a real case page on it."""
    second = create_app(make_test_config(database_url, Path(app.instance_path)))
    second.register_blueprint(_case_page_blueprint())
    second.test_client_class = Client
    with db.bound_to(second, session.connection()):
        yield second.test_client()


def views_of(session, case_id: int) -> int:
    return session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "case.view"
        )
    )


def personal_events(session, case_id: int) -> int:
    return session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.case_id == case_id, AuditEvent.categories != ""
        )
    )


def test_n_views_of_a_case_page_write_n_events(
    session, client, display_client, make_case, make_user, main_tenant_member, login
):
    case = make_case("corporatie", surname=SURNAME, members=(main_tenant_member,))
    user = make_user("corporatie")
    login(display_client, user)
    before = views_of(session, case.id)
    for n in range(1, VIEWS + 1):
        response = display_client.get(f"/test-casus/{case.id}")
        assert response.status_code == 200
        assert SURNAME in response.get_data(as_text=True)
        assert views_of(session, case.id) == before + n
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action == "case.view")
        .order_by(AuditEvent.id)
    ).all()[-VIEWS:]
    # One event per display, for the whole page: the main tenant (identity, contact), the
    # other member (household) and the case (arrears).
    assert all(e.category_list == ["arrears", "contact", "household", "identity"] for e in events)
    assert all(e.user_id == user.id and e.basis == "owner" for e in events)
    assert len({e.request_id for e in events}) == VIEWS  # one per request


def test_every_case_page_of_the_portal_writes_one_event_per_display(
    app, session, client, make_case, make_user, login, demo_covenant
):
    pages = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and set(rule.arguments) == {"case_id"}
    ]
    assert pages, "the portal has at least one page per case (the access history)"
    case = make_case("corporatie", surname=SURNAME)
    login(client, make_user("corporatie", ("caseworker", "team_manager", "auditor")))
    for rule in pages:
        url = rule.build({"case_id": case.id}, append_unknown=False)[1]
        before = personal_events(session, case.id)
        shows_data = False
        for _ in range(VIEWS):
            response = client.get(url)
            assert response.status_code == 200, url
            shows_data = shows_data or SURNAME in response.get_data(as_text=True)
        written = personal_events(session, case.id) - before
        assert written in (0, VIEWS), (rule.rule, written)
        if shows_data:
            assert written == VIEWS, rule.rule


@pytest.fixture
def main_tenant_member():
    from datetime import date

    from portal.cases.service import PersonData

    return PersonData(surname="Kind", initials="B.", birth_date=date(2015, 3, 1), minor=True)
