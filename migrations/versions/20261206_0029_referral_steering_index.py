"""a covering index for the steering figures' pass over a period's referrals

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "sent_at",
    "recipient_org_id",
    "sender_org_id",
    "status",
    "case_id",
    "accepted_at",
    "first_contact_at",
    "help_started_at",
]


def upgrade() -> None:
    op.create_index("ix_referral_steering", "referral", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_referral_steering", table_name="referral")
