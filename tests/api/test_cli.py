"""``flask api register``: the operator's way to a partner's first connection."""

from __future__ import annotations

from sqlalchemy import select

from portal.api.models import ApiClient
from portal.api.service.secrets import matches


def test_register_prints_the_secret_once_and_keeps_its_digest(app, session, make_org):
    make_org("corporatie")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["api", "register", "corporatie", "Huuradministratie", "--scope", "signals:write"]
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split(":", 1) for line in result.output.splitlines() if ": " in line)
    client_id, secret = lines["client_id"].strip(), lines["client_secret"].strip()
    client = session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).one()
    assert client.scope == "signals:write" and matches(client.secret_hash, secret)
    for bad in (
        ["api", "register", "nobody", "X", "--scope", "signals:write"],
        ["api", "register", "corporatie", "X", "--scope", "admin:all"],
        ["api", "register", "corporatie", "", "--scope", "signals:write"],
    ):
        assert runner.invoke(args=bad).exit_code != 0, bad


def test_purge_deletes_only_what_is_over(app, session, register, token, api):
    from datetime import timedelta

    from portal.api.models import ApiIdempotency, ApiToken
    from portal.db import utcnow

    client = register("schuldhulp", "referrals:read")
    token(client)
    token(client)
    old, fresh = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    old.issued_at = utcnow() - timedelta(days=2)
    session.add(
        ApiIdempotency(
            client_pk=client.pk, key="k", fingerprint="f", status=200, body="{}",
            created_at=utcnow() - timedelta(days=2),
        )
    )  # fmt: skip
    session.commit()
    result = app.test_cli_runner().invoke(args=["api", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 idempotency answers" in result.output and "1 tokens" in result.output
    assert session.scalars(select(ApiToken.id)).all() == [fresh.id]
