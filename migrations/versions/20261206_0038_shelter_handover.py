"""the shelter hand-over of an approved eviction

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | Sequence[str] | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shelter_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("household_size", sa.Integer(), nullable=False),
        sa.Column("minors", sa.Integer(), nullable=False),
        sa.Column("eviction_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id"),
    )
    op.create_index("ix_shelter_handover_case", "shelter_handover", ["case_id"], unique=False)
    op.create_index(
        "ix_shelter_handover_org_ready",
        "shelter_handover",
        ["organisation_id", "ready_at"],
        unique=False,
    )
    op.create_table(
        "shelter_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["handover_id"], ["shelter_handover.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["done_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handover_id", "item"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_shelter_item_handover_id", "shelter_item", ["handover_id"], unique=False)
    op.add_column("decision_assignment", sa.Column("bailiff_instructed_on", sa.Date()))
    op.add_column(
        "decision_assignment",
        sa.Column("bailiff_instructed_at", sa.DateTime(timezone=True), nullable=True),
    )
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE decision_assignment ADD COLUMN bailiff_instructed_by_id INTEGER "
            "REFERENCES user_account(id)"
        )
    else:
        op.add_column(
            "decision_assignment",
            sa.Column("bailiff_instructed_by_id", sa.Integer(), nullable=True),
        )
        op.create_foreign_key(
            "fk_decision_assignment_bailiff_by",
            "decision_assignment",
            "user_account",
            ["bailiff_instructed_by_id"],
            ["id"],
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for column in (
            "bailiff_instructed_by_id",
            "bailiff_instructed_at",
            "bailiff_instructed_on",
        ):
            op.execute(f"ALTER TABLE decision_assignment DROP COLUMN {column}")
    else:
        op.drop_constraint(
            "fk_decision_assignment_bailiff_by",
            "decision_assignment",
            type_="foreignkey",
        )
        for column in (
            "bailiff_instructed_by_id",
            "bailiff_instructed_at",
            "bailiff_instructed_on",
        ):
            op.drop_column("decision_assignment", column)
    op.drop_index("ix_shelter_item_handover_id", table_name="shelter_item")
    op.drop_table("shelter_item")
    op.drop_index("ix_shelter_handover_org_ready", table_name="shelter_handover")
    op.drop_index("ix_shelter_handover_case", table_name="shelter_handover")
    op.drop_table("shelter_handover")
