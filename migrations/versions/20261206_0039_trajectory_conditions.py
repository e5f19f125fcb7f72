"""conditions of a trajectory followed up: reviews, breaches, result

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06
"""

from collections.abc import Sequence

revision: str = "0039"
down_revision: str | Sequence[str] | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
