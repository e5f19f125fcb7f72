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
