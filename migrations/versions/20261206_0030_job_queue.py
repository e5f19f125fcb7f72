"""the job queue: a row per job run, and an import's file sealed while it waits

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id"),
    )
    op.create_index("ix_job_run_name", "job_run", ["name"], unique=False)
    op.create_index("ix_job_run_started_at", "job_run", ["started_at"], unique=False)
    op.add_column("import_job", sa.Column("sealed_file", sa.LargeBinary(), nullable=True))
    if op.get_context().dialect.name == "sqlite":
        # SQLite adds a column with an inline foreign key without copying the table.
        op.execute("ALTER TABLE import_job ADD COLUMN data_key_id INTEGER REFERENCES data_key (id)")
        return
    op.add_column("import_job", sa.Column("data_key_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_import_job_data_key", "import_job", "data_key", ["data_key_id"], ["id"]
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE import_job DROP COLUMN data_key_id")
        op.execute("ALTER TABLE import_job DROP COLUMN sealed_file")
    else:
        op.drop_constraint("fk_import_job_data_key", "import_job", type_="foreignkey")
        op.drop_column("import_job", "data_key_id")
        op.drop_column("import_job", "sealed_file")
    op.drop_index("ix_job_run_started_at", table_name="job_run")
    op.drop_index("ix_job_run_name", table_name="job_run")
    op.drop_table("job_run")
