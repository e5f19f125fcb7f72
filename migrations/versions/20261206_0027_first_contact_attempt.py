"""a referral's first contact links to the contact attempt that recorded it

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # SQLite adds a column with an inline foreign key without copying the table.
        op.execute(
            "ALTER TABLE referral ADD COLUMN first_contact_attempt_id INTEGER "
            "REFERENCES contact_attempt (id)"
        )
        return
    op.add_column("referral", sa.Column("first_contact_attempt_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_referral_first_contact_attempt",
        "referral",
        "contact_attempt",
        ["first_contact_attempt_id"],
        ["id"],
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE referral DROP COLUMN first_contact_attempt_id")
    else:
        op.drop_constraint("fk_referral_first_contact_attempt", "referral", type_="foreignkey")
        op.drop_column("referral", "first_contact_attempt_id")
