"""Alembic, driven from the app's configuration (``DATABASE_URL``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData

from portal import ROOT

#: The functions in the current schema that no extension owns (the audit and consent tables'
#: triggers call them); dropping their tables leaves them behind.
_PG_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def reset_database(engine: Engine, database_url: str) -> None:
    """Drop every table of the database (and on PostgreSQL the triggers' functions), then
    migrate it to head: an empty database, as on the first day. Development only.

    Why not ``downgrade base``: a downgrade refuses to throw away what it cannot give back
    (0017 on a hashed audit chain), and a demo's data is exactly that.
    """
    with engine.begin() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)  # dependants first; SQLite's implicit delete fires no trigger
        if connection.dialect.name == "postgresql":
            for (signature,) in connection.exec_driver_sql(_PG_FUNCTIONS).all():
                connection.exec_driver_sql(f"DROP FUNCTION {signature}")
    engine.dispose()  # no pooled connection remembers the old schema
    command.upgrade(alembic_config(database_url), "head")
