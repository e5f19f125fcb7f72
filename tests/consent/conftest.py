"""Consent test helpers: a case under the demo covenant, a request, and the tenant's proof."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from consent import service, sms
from consent.models import ConsentRequest
from portal.actor import Actor, staff_actor
from portal.audit.models import AuditEvent
from portal.outbox.models import OutboxMessage

BIRTH = date(1980, 5, 17)
PURPOSE = "debt_help"


@pytest.fixture
def sms_box(app) -> list[tuple[str, str]]:
    box = sms.sent_messages(app)
    box.clear()
    return box


@dataclass
class World:
    """The demo covenant in force, the corporation's case, staff of three partners."""

    case: Any
    owner: Any  # corporatie caseworker
    colleague: Any  # a second corporatie caseworker
    coach: Any  # schuldhulp caseworker
    welfare: Any  # welzijn caseworker
    orgs: dict[str, Any]

    def actor(self, user) -> Actor:
        return staff_actor(user)

    def refer(self, session, slug: str):
        """The owner refers the case to ``slug`` on its rung of the debt-help ladder: consent
        alone lets nobody into a case, a referral does."""
        from handover import service as handover

        referral = handover.send(
            session,
            self.actor(self.owner),
            self.case,
            purpose=PURPOSE,
            recipient_org_id=self.orgs[slug].id,
            note=None,
            rung={"schuldhulp": 0, "welzijn": 1}[slug],
        )
        session.commit()
        return referral

    def items(self, **overrides) -> list[dict[str, Any]]:
        """Debt help: the coach (household, contact history, life map on consent) and
        welfare (identity, contact, household, arrears, finances ... on consent)."""
        coach = overrides.get("coach", ["household", "contact_history", "life_map"])
        welfare = overrides.get("welfare", ["household", "arrears", "finances"])
        found = []
        if coach:
            found.append(
                {
                    "role": "debt_coach",
                    "organisation_id": self.orgs["schuldhulp"].id,
                    "categories": coach,
                }
            )
        if welfare:
            found.append(
                {
                    "role": "welfare",
                    "organisation_id": self.orgs["welzijn"].id,
                    "categories": welfare,
                }
            )
        return found


@pytest.fixture
def world(session, demo_covenant, make_case, make_user, make_org) -> World:
    case = make_case("corporatie", surname="Yilmaz", phone="06 12345678", birth_date=BIRTH)
    return World(
        case=case,
        owner=make_user("corporatie"),
        colleague=make_user("corporatie"),
        coach=make_user("schuldhulp"),
        welfare=make_user("welzijn"),
        orgs={slug: make_org(slug) for slug in ("corporatie", "schuldhulp", "welzijn", "zorg")},
    )


def another_tenant(new_client, make_case):
    """A browser signed in as the main tenant of another household (proved, as by the code)."""
    from consent import tenant
    from portal.db import utcnow

    other = new_client()
    other.get("/")
    now = int(utcnow().timestamp())
    with other.session_transaction() as sess:
        sess[tenant.TENANT_KEY] = {
            "pids": [make_case("corporatie", bsn="123456782").persons[0].id],
            "at": now,
            "seen": now,
        }
    return other


def link_for(token: str) -> str:
    return f"http://127.0.0.1:5000/t/{token}"


def ask(session, world: World, *, channels=("sms",), items=None, **kwargs) -> tuple[Any, dict]:
    request, tokens = service.request_consent(
        session,
        world.actor(world.owner),
        world.case,
        person_id=world.case.persons[0].id,
        purpose=kwargs.pop("purpose", PURPOSE),
        items=items if items is not None else world.items(),
        channels=channels,
        language=kwargs.pop("language", "nl"),
        valid_days=kwargs.pop("valid_days", 365),
        link_for=link_for,
        **kwargs,
    )
    session.commit()  # as the view does: text messages go out after the commit
    return request, tokens


def last_code(box) -> str:
    assert box, "no text message was sent"
    match = re.search(r"\b(\d{6})\b", box[-1][1])
    assert match, box[-1][1]
    return match.group(1)


def prove(client, token: str, box, *, birth: date = BIRTH, code: str | None = None):
    """Open the link, ask for a code, type it with the birth date; the last response."""
    opened = client.get(f"/t/{token}")
    assert opened.status_code == 302, opened.status_code
    sent = client.post_form("/toestemming/wie-bent-u")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    return client.post_form(
        "/toestemming/code",
        {
            "code": code or last_code(box),
            "day": str(birth.day),
            "month": str(birth.month),
            "year": str(birth.year),
        },
    )


def answer(client, choices: list[list[str]]):
    """Answer every question (one per recipient), then confirm on the check page."""
    for number, chosen in enumerate(choices, 1):
        response = client.post_form(f"/toestemming/vraag/{number}", {"categories": chosen})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = client.get("/toestemming/controleren").get_data(as_text=True)
    digest = re.search(r'name="statement_sha256" value="([0-9a-f]{64})"', page).group(1)
    return client.post_form("/toestemming/controleren", {"statement_sha256": digest})


def events(session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def outbox(session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def requests(session) -> list[ConsentRequest]:
    return list(session.scalars(select(ConsentRequest).order_by(ConsentRequest.id)))


@pytest.fixture
def new_client(app, session):
    """Another browser."""

    def make():
        from tests.conftest import Client

        app.test_client_class = Client
        return app.test_client()

    return make


@pytest.fixture
def staff(login, new_client):
    """A professional's own browser, signed in."""
    return lambda user: login(new_client(), user)
