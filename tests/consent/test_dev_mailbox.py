"""The development mailbox: with ``DEV_MAILBOX`` on, a consent request's e-mail and text
message are on ``/ontwikkeling/postbus`` right after the request that sent them, and so is
the tenant's code; without the flag the page is 404 and e-mail waits in the outbox as in
production; the production configuration refuses the flag."""

from __future__ import annotations

import re

import pytest

from consent import sms
from portal.config import ConfigError, from_env
from tests.consent.conftest import outbox

MAILBOX = "/ontwikkeling/postbus"
LINK = re.compile(r"/t/[A-Za-z0-9_-]+")


@pytest.fixture
def mailbox(app, monkeypatch, tmp_path):
    """As ``make run`` has it: the file senders (in a fresh instance folder) and the flag."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "DEV_MAILBOX", True)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setitem(app.config, "SMS_BACKEND", "file")
    monkeypatch.setitem(app.extensions, sms.EXTENSION_KEY, sms.FileSender(tmp_path / "sms"))
    return tmp_path


@pytest.fixture
def owner(new_client, login, world):
    return login(new_client(), world.owner)


def ask_by_sms_and_email(owner, world):
    coach = world.orgs["schuldhulp"].id
    response = owner.post_form(
        f"/casussen/{world.case.id}/toestemming/vragen?doel=debt_help",
        {
            "person": str(world.case.persons[0].id),
            "item": [f"debt_coach|{coach}|household"],
            "channels": ["sms", "email"],
            "language": "nl",
            "valid_days": "180",
            "rep_mandate": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_the_invitation_and_the_code_are_on_the_page_at_once(
    mailbox, owner, client, session, world
):
    ask_by_sms_and_email(owner, world)
    (message,) = outbox(session, "consent_invitation")
    assert message.status == "sent"  # delivered after the request, no outbox command ran
    assert len(list((mailbox / "mail").glob("*.eml"))) == 1

    page = client.get(MAILBOX)  # a tenant's browser: nobody signed in
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vraag om uw toestemming" in html and "Open deze link" in html
    links = LINK.findall(html)
    assert len(set(links)) == 2  # one link by e-mail, another by text message
    # Masked as the development files have them; never the address or the number itself.
    assert "a***@e***.org" in html and "a.jansen@example.org" not in html
    assert "+31*******78" in html and "12345678" not in html and "Yilmaz" not in html

    sms_link = html.index("er is een vraag om uw toestemming")
    token_path = LINK.search(html, sms_link).group(0)
    assert client.get(token_path).status_code == 302
    assert client.post_form("/toestemming/wie-bent-u").status_code == 302
    newest = client.get(MAILBOX).get_data(as_text=True)
    code = re.search(r"Uw code voor het Ketenportaal is (\d{6})", newest)
    assert code, newest
    assert newest.index(code.group(0)) < newest.index("er is een vraag om uw toestemming")
    proved = client.post_form(
        "/toestemming/code",
        {"code": code.group(1), "day": "17", "month": "5", "year": "1980"},
    )
    assert proved.status_code == 302 and "/toestemming/code" not in proved.headers["Location"]


def test_without_the_flag_the_page_is_404_and_mail_waits(owner, client, session, world, sms_box):
    assert client.get(MAILBOX).status_code == 404
    ask_by_sms_and_email(owner, world)
    (message,) = outbox(session, "consent_invitation")
    assert message.status == "pending"  # for `flask outbox deliver`, as in production


def test_the_page_is_404_outside_development_and_testing(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DEV_MAILBOX", True)
    assert client.get(MAILBOX).status_code == 200
    monkeypatch.setitem(app.config, "KP_ENV", "production")
    assert client.get(MAILBOX).status_code == 404


PRODUCTION = {
    "KP_ENV": "production",
    "SECRET_KEY": "s",
    "DATABASE_URL": "sqlite://",
    "KP_MASTER_KEYS": "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "KP_INDEX_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
}


def test_production_refuses_the_flag(tmp_path):
    assert from_env(tmp_path, env=PRODUCTION)["DEV_MAILBOX"] is False
    with pytest.raises(ConfigError, match="DEV_MAILBOX"):
        from_env(tmp_path, env=PRODUCTION | {"DEV_MAILBOX": "1"})
    with pytest.raises(ConfigError, match="DEV_MAILBOX"):
        from_env(tmp_path, env=PRODUCTION, preset={"DEV_MAILBOX": True})


def test_development_has_the_flag_only_when_asked(tmp_path):
    assert from_env(tmp_path, env={})["DEV_MAILBOX"] is False
    assert from_env(tmp_path, env={"DEV_MAILBOX": "1"})["DEV_MAILBOX"] is True
    assert from_env(tmp_path, env={"KP_ENV": "testing", "DEV_MAILBOX": "1"})["DEV_MAILBOX"]
