"""handover: a referral made as an early signal says whether it is a crisis signal and
whether it is a warm handover (the VNG model's crisissignaal and warmeOverdracht), so that
the municipality takes those first

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ALTER TABLE ... ADD COLUMN in place on both databases (no batch copy of the table).
    for name in ("crisis", "warm_handover"):
        op.add_column(
            "referral", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later drop a column in place): a batch copy of the
    # referral table would trip the foreign keys that point at it.
    op.execute("ALTER TABLE referral DROP COLUMN warm_handover")
    op.execute("ALTER TABLE referral DROP COLUMN crisis")
