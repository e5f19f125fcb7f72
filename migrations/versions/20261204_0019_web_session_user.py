"""accounts: a session row names its signed-in professional, so that one statement reads the
session, the user and the user's roles on every request

Rows written before this revision have no user: their user is read as before, by a statement
of its own, until the session is next written.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_web_session_user_id_user_account"),
            "user_account",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_web_session_user_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))
        batch_op.drop_column("user_id")
