"""The migrations are the schema: they match the models and go down and up cleanly."""

from __future__ import annotations

import importlib

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from portal import MODEL_MODULES
from portal.cli import _next_revision_id
from portal.db import Base, make_engine
from portal.migrate import alembic_config
from tests.conftest import migrate

for _module in MODEL_MODULES:
    importlib.import_module(_module)


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return diff


def test_models_and_migrations_agree(backend, databases):
    url = databases.fresh(backend, "agree")
    migrate(url)
    assert _diff(url) == []


def test_upgrade_downgrade_upgrade(backend, databases):
    url = databases.fresh(backend, "updown")
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    engine = make_engine(url)
    leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert leftover == set()
    command.upgrade(cfg, "head")
    assert _diff(url) == []


def test_single_head_and_dated_files():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    for rev in script.walk_revisions():
        name = rev.module.__file__.rsplit("/", 1)[-1]
        assert name[:8].isdigit(), f"{name} should start with its date (YYYYMMDD)"


def test_numbers_follow_the_chain_without_gaps():
    """Revision ids and file numbers count 0001, 0002, ... in the order the revisions apply,
    so the file list reads in the order a database goes through it."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = list(reversed(list(script.walk_revisions())))
    names = [rev.module.__file__.rsplit("/", 1)[-1] for rev in chain]
    for number, (rev, name) in enumerate(zip(chain, names, strict=True), start=1):
        assert rev.revision == f"{number:04d}", (
            f"{name}: revision {rev.revision} is number {number}"
        )
        assert name.split("_")[1] == rev.revision, f"{name} should carry its revision id"
    assert names == sorted(names), "file dates should not go back in the chain"
    assert _next_revision_id(alembic_config("sqlite://")) == f"{len(chain) + 1:04d}"


def _schema(url: str) -> dict[str, object]:
    """Tables with their columns, indexes, unique constraints and foreign keys."""
    engine = make_engine(url)
    found: dict[str, object] = {}
    try:
        inspector = inspect(engine)
        for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
            found[table] = (
                sorted(
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ),
                sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
                sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
                sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            )
    finally:
        engine.dispose()
    return found


def test_each_downgrade_restores_the_schema_below_it(backend, databases):
    """Step by step: upgrade one revision, downgrade it, and the schema is as it was (a
    downgrade that forgets what its upgrade did fails here)."""
    url = databases.fresh(backend, "steps")
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    for rev in reversed(list(script.walk_revisions())):
        below = rev.down_revision or "base"
        before = _schema(url)
        command.upgrade(cfg, rev.revision)
        command.downgrade(cfg, below)
        assert _schema(url) == before, f"downgrade of {rev.revision} leaves the schema changed"
        command.upgrade(cfg, rev.revision)


def test_the_grants_table_is_filled_from_the_records_that_grant(backend, databases, tmp_path):
    """0018 creates ``case_grant`` on a database that already has referrals and decisions:
    the upgrade writes what they grant, as the services would have (``grants check``)."""
    from handover.demo import load as load_referral
    from handover.models import Referral
    from portal import create_app
    from portal.cases.models import CaseGrant
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.grants import differences
    from tests.conftest import make_test_config

    url = databases.fresh(backend, "grants")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            session = db.session
            load_demo(session)  # referrals offered on to welfare, a decision being voted on
            offered = load_referral(session)
            assert isinstance(offered, Referral) and offered.status == "sent"
            session.commit()
            # What 0018 fills in: the grants of referrals and decisions (the rooms that came
            # later lose their rows with their tables on the way down).
            stored = _of_0018(session.scalars(select(CaseGrant.source)))
            assert stored and {s.split(":")[0] for s in stored} == {"referral", "decision"}

        command.downgrade(alembic_config(url), "0017")
        command.upgrade(alembic_config(url), "head")

        with app.app_context():
            assert _of_0018(db.session.scalars(select(CaseGrant.source))) == stored
            assert differences(db.session) == []
    finally:
        app.extensions["kp_db"].engine.dispose()


def _of_0018(sources) -> list[str]:
    return sorted(s for s in sources if s.split(":")[0] in ("referral", "decision"))
