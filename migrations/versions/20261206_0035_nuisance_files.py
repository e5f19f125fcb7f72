"""nuisance files: reports, agreements with the tenant, partners involved

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | Sequence[str] | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "nuisance_report",
        *_common(),
        sa.Column("reported_on", sa.LargeBinary(), nullable=True),
        sa.Column("kind", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.LargeBinary(), nullable=True),
        sa.Column("description", sa.LargeBinary(), nullable=True),
        sa.Column("reporter_name", sa.LargeBinary(), nullable=True),
        sa.Column("reporter_contact", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_nuisance_report_case", "nuisance_report", ["case_id"], unique=False)
    op.create_table(
        "nuisance_agreement",
        *_common(),
        sa.Column("made_on", sa.LargeBinary(), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("until", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.LargeBinary(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["settled_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_uid"),
    )
    op.create_index("ix_nuisance_agreement_case", "nuisance_agreement", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_nuisance_agreement_case", table_name="nuisance_agreement")
    op.drop_table("nuisance_agreement")
    op.drop_index("ix_nuisance_report_case", table_name="nuisance_report")
    op.drop_table("nuisance_report")
