"""cases: when a case closed (retention counts from there)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_case_file_closed_at"), ["closed_at"])


def downgrade() -> None:
    with op.batch_alter_table("case_file") as batch:
        batch.drop_index(op.f("ix_case_file_closed_at"))
        batch.drop_column("closed_at")
