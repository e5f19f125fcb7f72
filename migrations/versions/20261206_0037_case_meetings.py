"""case meetings (casusoverleg): agenda, invitees, minutes, guests

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | Sequence[str] | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_org_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["host_org_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_case_meeting_host", "case_meeting", ["host_org_id", "starts_at"], unique=False
    )
    op.create_table(
        "meeting_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.LargeBinary(), nullable=True),
        sa.Column("tenant_invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_answer", sa.LargeBinary(), nullable=True),
        sa.Column("tenant_answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.LargeBinary(), nullable=True),
        sa.Column("minutes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["case_meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["minutes_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "case_id", name="uq_meeting_item_case"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_meeting_item_case", "meeting_item", ["case_id"], unique=False)
    op.create_table(
        "meeting_invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["meeting_item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "organisation_id", name="uq_meeting_invitee"),
    )
    op.create_table(
        "meeting_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["meeting_item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_meeting_agreement_item", "meeting_agreement", ["item_id"], unique=False)
    op.create_table(
        "meeting_guest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organisation_name", sa.String(length=120), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["added_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["case_meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["signed_recorded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("meeting_guest")
    op.drop_index("ix_meeting_agreement_item", table_name="meeting_agreement")
    op.drop_table("meeting_agreement")
    op.drop_table("meeting_invitee")
    op.drop_index("ix_meeting_item_case", table_name="meeting_item")
    op.drop_table("meeting_item")
    op.drop_index("ix_case_meeting_host", table_name="case_meeting")
    op.drop_table("case_meeting")
