"""audit: events are written pending and chained by one sealer, so no request waits on the
head row; the only change the database allows to an event is sealing it once

A decision's seal now names its audit event by id (known when it is written), not by its
place in the chain (known only once sealed).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every column an event keeps for ever, once written (the sealer sets only the other three).
KEPT = (
    "id",
    "occurred_at",
    "actor_kind",
    "actor_label",
    "user_id",
    "organisation_id",
    "role",
    "action",
    "case_id",
    "person_id",
    "categories",
    "basis",
    "request_id",
    "client_addr",
    "detail",
)
SEALING = (
    "OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL"
)

PG_SEAL_ONCE = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {SEALING}
       AND ({", ".join("NEW." + c for c in KEPT)})
           IS NOT DISTINCT FROM ({", ".join("OLD." + c for c in KEPT)}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql
"""
PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql
"""
SQLITE_SEAL_ONCE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"WHEN NOT ({SEALING} AND {' AND '.join(f'NEW.{c} IS OLD.{c}' for c in KEPT)}) "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
)
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
)
SQLITE_NO_DELETE = (
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _chain_columns(nullable: bool) -> None:
    """Make seq and the hashes optional (pending events) or required again. On SQLite the
    table is copied, which drops its triggers: the caller puts them back."""
    if not _postgresql():
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=nullable)
        for column in ("prev_hash", "hash"):
            batch.alter_column(column, existing_type=sa.String(length=64), nullable=nullable)


def upgrade() -> None:
    _chain_columns(nullable=True)
    if _postgresql():
        op.execute(PG_SEAL_ONCE)
    else:
        op.execute(SQLITE_SEAL_ONCE)
        op.execute(SQLITE_NO_DELETE)
    op.create_index(
        "ix_audit_event_pending",
        "audit_event",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )
    with op.batch_alter_table("decision") as batch:
        batch.alter_column("seal_audit_seq", new_column_name="seal_audit_event_id")
    op.execute(
        "UPDATE decision SET seal_audit_event_id = (SELECT id FROM audit_event "
        "WHERE audit_event.seq = decision.seal_audit_event_id) "
        "WHERE seal_audit_event_id IS NOT NULL"
    )


def downgrade() -> None:
    pending = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_event WHERE seq IS NULL"))
    if pending:
        raise RuntimeError(
            f"{pending} audit events wait for the sealer: run `flask --app wsgi audit seal` "
            "first, then downgrade."
        )
    op.execute(
        "UPDATE decision SET seal_audit_event_id = (SELECT seq FROM audit_event "
        "WHERE audit_event.id = decision.seal_audit_event_id) "
        "WHERE seal_audit_event_id IS NOT NULL"
    )
    with op.batch_alter_table("decision") as batch:
        batch.alter_column("seal_audit_event_id", new_column_name="seal_audit_seq")
    op.drop_index("ix_audit_event_pending", table_name="audit_event")
    _chain_columns(nullable=False)
    if _postgresql():
        op.execute(PG_APPEND_ONLY)
    else:
        op.execute(SQLITE_NO_UPDATE)
        op.execute(SQLITE_NO_DELETE)
