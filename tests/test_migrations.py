"""The migrations are the schema: they match the models and go down and up cleanly."""

from __future__ import annotations

import importlib

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from portal import MODEL_MODULES
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
        assert rev.module.downgrade.__code__.co_code, "every revision needs a real downgrade"
