"""a referral that ended without help: the sender's deadline to choose the next step, and when
the coordinating role was alerted

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "referral", sa.Column("escalation_due_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "referral", sa.Column("escalation_alerted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_referral_escalation_due", "referral", ["status", "escalation_due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_referral_escalation_due", table_name="referral")
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE referral DROP COLUMN escalation_alerted_at")
        op.execute("ALTER TABLE referral DROP COLUMN escalation_due_at")
    else:
        op.drop_column("referral", "escalation_alerted_at")
        op.drop_column("referral", "escalation_due_at")
