"""the steering figures' rollup: each referral's place in the figures and their sums per month,
and the indexes that find what changed since

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "steering_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "steering_referral",
        sa.Column("referral_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sender_org_id", sa.Integer(), nullable=False),
        sa.Column("recipient_org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=True),
        sa.Column("first_contact", sa.Integer(), nullable=True),
        sa.Column("help_started", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "steering_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sender_org_id", sa.Integer(), nullable=False),
        sa.Column("recipient_org_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_steering_count_cell",
        "steering_count",
        ["month", "sender_org_id", "recipient_org_id", "measure", "key"],
        unique=True,
    )
    op.create_index("ix_referral_event_at", "referral_event", ["at"], unique=False)
    # Partial: only the few referrals warned late (NULL for the rest, which would also make
    # SQLite's planner think the index useless).
    warned = sa.text("overdue_notified_at IS NOT NULL")
    op.create_index(
        "ix_referral_overdue_notified_at",
        "referral",
        ["overdue_notified_at"],
        unique=False,
        sqlite_where=warned,
        postgresql_where=warned,
    )


def downgrade() -> None:
    op.drop_index("ix_referral_overdue_notified_at", table_name="referral")
    op.drop_index("ix_referral_event_at", table_name="referral_event")
    op.drop_index("ix_steering_count_cell", table_name="steering_count")
    op.drop_table("steering_count")
    op.drop_table("steering_referral")
    op.drop_table("steering_rollup")
