"""audit: the NEN 7513 fields (processing activity, on whose behalf), one event for a page
that lists many cases (its cases in audit_subject), and pruning after the covenant's audit
retention

Events written before keep version 1 of the canonical form, so they still verify. The only
deletion the database allows is of sealed events (and their subjects) up to a prune mark.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = ("version", "processing_activity", "on_behalf_of", "subjects")
#: Every column an event keeps for ever, once written (the sealer sets only seq and hashes).
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
PRUNED = "(SELECT coalesce(max(up_to_seq), 0) FROM audit_prune)"


def _pg_function(kept: Sequence[str], prune: bool) -> str:
    allow_prune = (
        f"""
    IF TG_OP = 'DELETE' AND OLD.seq IS NOT NULL AND OLD.seq <= {PRUNED} THEN
        RETURN OLD;
    END IF;"""
        if prune
        else ""
    )
    return f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {SEALING}
       AND ({", ".join("NEW." + c for c in kept)})
           IS NOT DISTINCT FROM ({", ".join("OLD." + c for c in kept)}) THEN
        RETURN NEW;
    END IF;{allow_prune}
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql
"""


PG_SUBJECT_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_subject_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND (SELECT seq FROM audit_event WHERE id = OLD.event_id)
           <= (SELECT coalesce(max(up_to_seq), 0) FROM audit_prune) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_subject is append-only';
END;
$$ LANGUAGE plpgsql
"""


def _sqlite_update(kept: Sequence[str]) -> str:
    return (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        f"WHEN NOT ({SEALING} AND {' AND '.join(f'NEW.{c} IS OLD.{c}' for c in kept)}) "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
    )


def _sqlite_delete(prune: bool) -> str:
    when = f"WHEN NOT (OLD.seq IS NOT NULL AND OLD.seq <= {PRUNED}) " if prune else ""
    return (
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event {when}"
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
    )


SQLITE_SUBJECT = (
    "CREATE TRIGGER audit_subject_no_update BEFORE UPDATE ON audit_subject "
    "BEGIN SELECT RAISE(ABORT, 'audit_subject is append-only'); END",
    "CREATE TRIGGER audit_subject_no_delete BEFORE DELETE ON audit_subject "
    "WHEN NOT ((SELECT seq FROM audit_event WHERE id = OLD.event_id) <= "
    "(SELECT coalesce(max(up_to_seq), 0) FROM audit_prune)) "
    "BEGIN SELECT RAISE(ABORT, 'audit_subject is append-only'); END",
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column(
        "audit_event", sa.Column("version", sa.SmallInteger(), nullable=False, server_default="1")
    )
    op.add_column("audit_event", sa.Column("processing_activity", sa.String(120), nullable=True))
    op.add_column("audit_event", sa.Column("on_behalf_of", sa.String(80), nullable=True))
    op.add_column(
        "audit_event", sa.Column("subjects", sa.Text(), nullable=False, server_default="")
    )
    op.create_table(
        "audit_subject",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name=op.f("fk_audit_subject_event_id_audit_event")
        ),
        sa.PrimaryKeyConstraint("case_id", "event_id", name=op.f("pk_audit_subject")),
    )
    op.create_index(op.f("ix_audit_subject_event_id"), "audit_subject", ["event_id"])
    op.create_table(
        "audit_prune",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("up_to_seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_prune")),
        sa.UniqueConstraint("up_to_seq", name=op.f("uq_audit_prune_up_to_seq")),
    )
    kept = (*KEPT, *NEW)
    if _postgresql():
        op.execute(_pg_function(kept, prune=True))
        op.execute(PG_SUBJECT_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_subject_no_change BEFORE UPDATE OR DELETE ON audit_subject "
            "FOR EACH ROW EXECUTE FUNCTION audit_subject_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_subject_no_truncate BEFORE TRUNCATE ON audit_subject "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_subject_append_only()"
        )
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute(_sqlite_update(kept))
        op.execute(_sqlite_delete(prune=True))
        for trigger in SQLITE_SUBJECT:
            op.execute(trigger)


def downgrade() -> None:
    newer = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_event WHERE version > 1"))
    if newer:
        raise RuntimeError(
            f"{newer} audit events are hashed with the fields this downgrade would drop: the "
            "chain would no longer verify. Restore a backup from before the upgrade instead."
        )
    if _postgresql():
        op.execute("DROP TRIGGER audit_subject_no_truncate ON audit_subject")
        op.execute("DROP TRIGGER audit_subject_no_change ON audit_subject")
        op.execute("DROP FUNCTION audit_subject_append_only()")
        op.execute(_pg_function(KEPT, prune=False))
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    op.drop_table("audit_prune")
    op.drop_index(op.f("ix_audit_subject_event_id"), table_name="audit_subject")
    op.drop_table("audit_subject")
    with op.batch_alter_table("audit_event") as batch:
        for column in reversed(NEW):
            batch.drop_column(column)
    if not _postgresql():
        op.execute(_sqlite_update(KEPT))
        op.execute(_sqlite_delete(prune=False))
