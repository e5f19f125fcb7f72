"""The demo accounts sign in with password and TOTP; ``demo totp`` gives the code."""

from __future__ import annotations

import re

from portal.demo import DEMO_PASSWORD, USERS
from portal.extensions import limiter


def test_every_demo_account_signs_in_with_password_and_totp(app, session, new_client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    for _slug, email, _name, _roles in USERS:
        limiter.reset()  # one sign-in per account from the same address: not a guessing attack
        client = new_client()
        first = client.post_form("/inloggen", {"email": email, "password": DEMO_PASSWORD})
        assert first.headers["Location"].endswith("/inloggen/code"), email
        result = runner.invoke(args=["demo", "totp", email])
        assert result.exit_code == 0, result.output
        code = re.match(r"^(\d{6})\b", result.output).group(1)
        done = client.post_form("/inloggen/code", {"code": code})
        assert done.headers["Location"].endswith("/mijn-werk"), email
        assert client.get("/mijn-werk").status_code == 200


def test_demo_totp_secret_is_sealed(app, session):
    from sqlalchemy import select

    from portal.accounts.models import User

    app.test_cli_runner().invoke(args=["demo"])
    for user in session.scalars(select(User)):
        assert user.totp_secret.startswith("s1:") and len(user.totp_secret) > 60


def test_demo_totp_refuses_other_accounts_and_production(app, session, make_user):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    stranger = make_user()
    assert runner.invoke(args=["demo", "totp", stranger.email]).exit_code != 0
    app.config["KP_ENV"] = "production"
    try:
        result = runner.invoke(args=["demo", "totp", "sanne@corporatie.example"])
    finally:
        app.config["KP_ENV"] = "testing"
    assert result.exit_code != 0 and "production" in result.output
