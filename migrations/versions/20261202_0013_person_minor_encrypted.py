"""cases: a household member's minor flag is personal data (household): encrypted like every
other field of the person, instead of a plain boolean anyone with database access could read

The plain flag cannot be carried over here (encrypting needs the master key, which migrations
never see); the portal derives "under 18" from the encrypted birth date wherever one is known,
so only a hand-set flag without a birth date is lost. Nothing was deployed before this.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minor", sa.LargeBinary(), nullable=True))
        batch_op.drop_column("is_minor")


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_minor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_column("minor")
