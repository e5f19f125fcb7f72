"""Staff notices: only casework staff get them, in Dutch, with an absolute link and no
personal data; links for mail are built from the public address, also outside a request."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from portal.links import external_url
from portal.outbox.models import OutboxMessage
from portal.outbox.notices import casework_addresses, notify_casework
from portal.outbox.service import body_of, recipient


def test_links_come_from_the_public_address_outside_a_request(app: Flask) -> None:
    with app.app_context():
        base = app.config["PUBLIC_BASE_URL"].rstrip("/")
        assert external_url("handover.detail", referral_id=7) == f"{base}/overdrachten/7"


def test_only_active_casework_staff_are_notified(session, make_user) -> None:
    worker = make_user("corporatie", ("caseworker",))
    manager = make_user("corporatie", ("team_manager", "org_admin"))
    admin = make_user("corporatie", ("org_admin",))
    gone = make_user("corporatie", ("caseworker",))
    gone.active = False
    other = make_user("schuldhulp", ("caseworker",))
    session.flush()
    org = worker.organisation_id
    assert casework_addresses(session, [org]) == sorted([worker.email, manager.email])
    assert admin.email not in casework_addresses(session, [org, other.organisation_id])
    assert casework_addresses(session, []) == []


def test_a_notice_is_dutch_and_carries_a_reference_and_a_link(session, make_user) -> None:
    worker = make_user("corporatie", ("caseworker",))
    with force_locale("en"):  # the one who acted reads English; the professionals read Dutch
        notify_casework(
            session,
            [worker.organisation_id],
            subject="Nieuwe overdracht (KP-2026-0001)",
            lines=["Nieuwe overdracht.", "", "Casus: KP-2026-0001"],
            link="https://portal.example/overdrachten/1",
            kind="referral",
        )
    message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None and recipient(session, message) == worker.email
    assert message.subject == "Ketenportaal: Nieuwe overdracht (KP-2026-0001)"
    body = body_of(session, message) or ""
    assert "Bekijk het in het Ketenportaal: https://portal.example/overdrachten/1" in body
    assert "Dit bericht bevat geen persoonsgegevens" in body
