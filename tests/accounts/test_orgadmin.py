"""Organisation admins: invitations, staff list, deactivation; own organisation only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import mfa
from portal.accounts.models import Invitation, OrganisationOidc, User
from portal.db import utcnow
from portal.outbox.models import OutboxMessage
from portal.outbox.service import body_of, deliver_for_app, recipient
from tests.accounts.conftest import events

PASSWORD = "een lange zin als wachtwoord"


def _invite(
    client, email="nieuw@corporatie.example", name="Nina Nieuw (consulent)", roles=("caseworker",)
):
    return client.post_form(
        "/beheer/medewerkers/uitnodigen",
        {"email": email, "display_name": name, "roles": list(roles)},
    )


def _link(session) -> str:
    message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return next(line for line in body_of(session, message).splitlines() if "/uitnodiging/" in line)


@pytest.fixture
def admin(make_user, login, client):
    user = make_user(roles=("org_admin",))
    login(client, user)
    return user


def test_invitation_goes_through_the_outbox_with_a_reference_and_a_link_only(
    app, client, admin, session
):
    response = _invite(client)
    assert response.status_code == 302
    invitation = session.scalars(select(Invitation)).one()
    message = session.scalars(select(OutboxMessage)).one()
    body = body_of(session, message)
    assert (
        message.kind == "invitation" and recipient(session, message) == "nieuw@corporatie.example"
    )
    assert invitation.reference in message.subject and invitation.reference in body
    # No personal data: not the name, not the organisation, not who invited.
    for leak in ("Nina", admin.display_name, admin.organisation.name, admin.email):
        assert leak not in body and leak not in message.subject
    token = _link(session).rsplit("/", 1)[1]
    assert _link(session).startswith(app.config["PUBLIC_BASE_URL"])
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    (event,) = events(session, "account.invitation_sent")
    assert event.user_id == admin.id and "nieuw@" not in str(event.detail_dict)
    # Delivered by the worker, the body is blanked afterwards (the link was a secret).
    box = app.extensions.setdefault("kp_mail", [])
    box.clear()
    assert deliver_for_app(app, session).sent == 1
    assert box[0]["To"] == "nieuw@corporatie.example"
    session.refresh(message)
    assert message.status == "sent" and message.to_address is None and message.body is None


def test_accepting_creates_the_account_and_asks_for_mfa_setup(client, admin, session, new_client):
    _invite(client, roles=("caseworker", "team_manager"))
    link = _link(session)
    path = "/" + link.split("/", 3)[3]
    browser = new_client()
    page = browser.get(path)
    assert page.status_code == 200 and "UIT-" in page.get_data(as_text=True)
    short = browser.post_form(path, {"password": "kort", "repeat": "kort"})
    assert "minstens" in short.get_data(as_text=True)
    done = browser.post_form(path, {"password": PASSWORD, "repeat": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/inloggen/mfa-instellen")
    user = session.scalar(select(User).where(User.email == "nieuw@corporatie.example"))
    assert user.organisation_id == admin.organisation_id
    assert user.roles == {"caseworker", "team_manager"}
    assert user.password_hash.startswith("$argon2id$")
    setup = browser.get("/inloggen/mfa-instellen").get_data(as_text=True)
    manual = setup.split('id="manual-key">')[1].split("<")[0].replace(" ", "")
    browser.post_form("/inloggen/mfa-instellen", {"code": mfa.current_code(manual, utcnow())})
    assert browser.get("/mijn-werk").status_code == 200
    assert events(session, "account.invitation_accepted")[0].user_id == user.id
    # The link works once.
    again = new_client().get(path)
    assert again.status_code == 404 and "werkt niet" in again.get_data(as_text=True)


def test_expired_invitation_is_refused(client, admin, session, new_client):
    _invite(client)
    path = "/" + _link(session).split("/", 3)[3]
    invitation = session.scalars(select(Invitation)).one()
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    browser = new_client()
    assert browser.get(path).status_code == 404
    assert browser.post_form(path, {"password": PASSWORD, "repeat": PASSWORD}).status_code == 404
    assert session.scalar(select(User).where(User.email == "nieuw@corporatie.example")) is None


def test_revoked_invitation_is_refused(client, admin, session, new_client):
    _invite(client)
    path = "/" + _link(session).split("/", 3)[3]
    invitation = session.scalars(select(Invitation)).one()
    assert client.post_form(f"/beheer/uitnodigingen/{invitation.id}/intrekken").status_code == 302
    assert new_client().get(path).status_code == 404
    assert events(session, "account.invitation_revoked")


def test_unknown_token_is_refused(client):
    assert client.get("/uitnodiging/not-a-real-token").status_code == 404


def test_existing_email_cannot_be_invited(client, admin, make_user):
    other = make_user(org="zorg")
    response = _invite(client, email=other.email)
    assert response.status_code == 200 and "bestaat al" in response.get_data(as_text=True)


def test_staff_list_shows_own_organisation_only(client, admin, make_user):
    colleague = make_user()
    stranger = make_user(org="schuldhulp")
    html = client.get("/beheer/medewerkers").get_data(as_text=True)
    assert colleague.email in html and stranger.email not in html


def test_other_organisations_ids_answer_404(client, admin, make_user, session):
    stranger = make_user(org="schuldhulp")
    assert client.post_form(f"/beheer/medewerkers/{stranger.id}/deactiveren").status_code == 404
    assert client.post_form(f"/beheer/medewerkers/{stranger.id}/heractiveren").status_code == 404
    session.refresh(stranger)
    assert stranger.active
    foreign = Invitation(
        organisation_id=stranger.organisation_id,
        email="x@schuldhulp.example",
        display_name="X",
        roles=["caseworker"],
        token_hash="f" * 64,
        expires_at=utcnow() + timedelta(days=1),
    )
    session.add(foreign)
    session.flush()
    assert client.post_form(f"/beheer/uitnodigingen/{foreign.id}/intrekken").status_code == 404
    assert client.post_form("/beheer/medewerkers/999999/deactiveren").status_code == 404


def test_admin_cannot_deactivate_themselves(client, admin):
    response = client.post_form(f"/beheer/medewerkers/{admin.id}/deactiveren")
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (("caseworker",), 403),
        (("team_manager",), 403),
        (("auditor",), 403),
        (("covenant_admin",), 403),
        (("org_admin",), 200),
    ],
)
@pytest.mark.parametrize(
    "url", ["/beheer/medewerkers", "/beheer/medewerkers/uitnodigen", "/beheer/inloggen"]
)
def test_only_org_admins_reach_administration(client, make_user, login, roles, status, url):
    login(client, make_user(roles=roles))
    assert client.get(url).status_code == status


def test_sso_settings_keep_the_secret_out_of_the_database(client, admin, session):
    response = client.post_form(
        "/beheer/inloggen",
        {
            "enabled": "y",
            "issuer": "https://login.corporatie.example/",
            "client_id": "ketenportaal",
            "client_secret_env": "KP_OIDC_SECRET_CORPORATIE",
            "mfa_acr_values": "urn:mfa  urn:high",
            "allow_password": "y",
            "default_role": "caseworker",
        },
    )
    assert response.status_code == 302
    settings = session.get(OrganisationOidc, admin.organisation_id)
    assert settings.issuer == "https://login.corporatie.example"
    assert settings.acr_values == {"urn:mfa", "urn:high"}
    assert settings.client_secret_env == "KP_OIDC_SECRET_CORPORATIE"
    assert not hasattr(settings, "client_secret")
    page = client.get("/beheer/inloggen").get_data(as_text=True)
    assert "/inloggen/organisatie/corporatie/terug" in page
    bad = client.post_form(
        "/beheer/inloggen",
        {"issuer": "http://evil.example", "client_id": "x", "client_secret_env": "lower case"},
    )
    assert "https" in bad.get_data(as_text=True)
    assert events(session, "sso.settings_changed")
