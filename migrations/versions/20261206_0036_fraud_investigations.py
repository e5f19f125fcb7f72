"""housing-fraud investigations, their entries and their sealed court files

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | Sequence[str] | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fraud_investigation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("suspicion", sa.String(length=30), nullable=False),
        sa.Column("grounds", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_motivation", sa.LargeBinary(), nullable=True),
        sa.Column("outcome_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subtenant_present", sa.Boolean(), nullable=False),
        sa.Column("subtenant_surname", sa.LargeBinary(), nullable=True),
        sa.Column("subtenant_initials", sa.LargeBinary(), nullable=True),
        sa.Column("subtenant_phone", sa.LargeBinary(), nullable=True),
        sa.Column("subtenant_email", sa.LargeBinary(), nullable=True),
        sa.Column("subtenant_note", sa.LargeBinary(), nullable=True),
        sa.Column("subtenant_case_id", sa.Integer(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["outcome_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["subtenant_case_id"], ["case_file.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_fraud_investigation_case", "fraud_investigation", ["case_id"])
    op.create_index(
        "ix_fraud_investigation_open", "fraud_investigation", ["organisation_id", "status"]
    )
    op.create_table(
        "fraud_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visitors", sa.LargeBinary(), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["investigation_id"], ["fraud_investigation.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index(
        "ix_fraud_entry_investigation", "fraud_entry", ["investigation_id", "happened_on"]
    )
    op.create_table(
        "fraud_court_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sealed_by_id", sa.Integer(), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_event_id", sa.BigInteger(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["investigation_id"], ["fraud_investigation.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["sealed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("investigation_id", "version", name="uq_fraud_court_file_version"),
        sa.UniqueConstraint("row_uid"),
    )


def downgrade() -> None:
    op.drop_table("fraud_court_file")
    op.drop_index("ix_fraud_entry_investigation", table_name="fraud_entry")
    op.drop_table("fraud_entry")
    op.drop_index("ix_fraud_investigation_open", table_name="fraud_investigation")
    op.drop_index("ix_fraud_investigation_case", table_name="fraud_investigation")
    op.drop_table("fraud_investigation")
