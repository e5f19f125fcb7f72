"""conditions of a trajectory followed up: reviews, breaches, result

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | Sequence[str] | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trajectory_condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.LargeBinary(), nullable=True),
        sa.Column("interval_weeks", sa.Integer(), nullable=False),
        sa.Column("first_review_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["trajectory_id"], ["decision_trajectory.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_trajectory_condition_trajectory", "trajectory_condition", ["trajectory_id"])
    op.create_table(
        "condition_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["condition_id"], ["trajectory_condition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_condition_review_condition", "condition_review", ["condition_id"])
    op.create_table(
        "trajectory_end",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("motivation", sa.LargeBinary(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["trajectory_id"], ["decision_trajectory.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trajectory_id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_trajectory_end_ended_on", "trajectory_end", ["ended_on"])


def downgrade() -> None:
    op.drop_index("ix_trajectory_end_ended_on", table_name="trajectory_end")
    op.drop_table("trajectory_end")
    op.drop_index("ix_condition_review_condition", table_name="condition_review")
    op.drop_table("condition_review")
    op.drop_index("ix_trajectory_condition_trajectory", table_name="trajectory_condition")
    op.drop_table("trajectory_condition")
