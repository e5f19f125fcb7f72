"""handover: receivers check groundwork items (verified / disputed); referral events name
the categories they concern

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_item_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=30), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_referral_item_check_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_item_check_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_item_check_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_referral_item_check_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_item_check")),
        sa.UniqueConstraint(
            "referral_id",
            "item_type",
            "item_id",
            name=op.f("uq_referral_item_check_referral_id_item_type_item_id"),
        ),
        sa.UniqueConstraint("row_uid", name=op.f("uq_referral_item_check_row_uid")),
    )
    with op.batch_alter_table("referral_item_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_item_check_case_id"), ["case_id"], unique=False
        )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_column("categories")
    with op.batch_alter_table("referral_item_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_item_check_case_id"))
    op.drop_table("referral_item_check")
