"""an index on a referral's previous referral: its page asks where the covenant offered it next

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Partial: only referrals that follow another (NULL for the rest, which would also make
    # SQLite's planner think the index useless and scan the table).
    offered_on = sa.text("previous_id IS NOT NULL")
    op.create_index(
        "ix_referral_previous",
        "referral",
        ["previous_id"],
        unique=False,
        sqlite_where=offered_on,
        postgresql_where=offered_on,
    )


def downgrade() -> None:
    op.drop_index("ix_referral_previous", table_name="referral")
