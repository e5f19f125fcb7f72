from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.demo import DEMO_PASSWORD, ORGANISATIONS


def test_demo_is_idempotent_and_prints_accounts(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "sanne@corporatie.example" in first.output and DEMO_PASSWORD in first.output
    counts = (
        session.scalar(select(func.count(Organisation.id))),
        session.scalar(select(func.count(User.id))),
    )
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts == (
        session.scalar(select(func.count(Organisation.id))),
        session.scalar(select(func.count(User.id))),
    )
    slugs = set(session.scalars(select(Organisation.slug)))
    assert slugs == {slug for slug, _ in ORGANISATIONS}
    for slug in slugs:
        assert (
            session.scalar(
                select(func.count(User.id)).join(Organisation).where(Organisation.slug == slug)
            )
            >= 1
        )


def test_demo_refused_in_production(app):
    app.config["KP_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo"])
    finally:
        app.config["KP_ENV"] = "testing"
    assert result.exit_code != 0 and "production" in result.output
