"""emergency access: a row per use, and grants that run out by themselves

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "emergency_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=False),
        sa.Column("categories", sa.String(length=400), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("motivation", sa.LargeBinary(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=12), nullable=True),
        sa.Column("review_note", sa.LargeBinary(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["reviewed_by"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_emergency_access_case", "emergency_access", ["case_id"], unique=False)
    op.create_index(
        "ix_emergency_access_review",
        "emergency_access",
        ["owner_org_id", "reviewed_at"],
        unique=False,
    )
    op.add_column("case_grant", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE case_grant DROP COLUMN expires_at")
    else:
        op.drop_column("case_grant", "expires_at")
    op.drop_index("ix_emergency_access_review", table_name="emergency_access")
    op.drop_index("ix_emergency_access_case", table_name="emergency_access")
    op.drop_table("emergency_access")
