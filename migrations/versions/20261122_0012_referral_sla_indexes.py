"""handover: the SLA check finds due referrals by status and deadline (composite indexes
instead of one index per deadline, which made the check walk every past deadline)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_response_due_at"))
        batch_op.drop_index(batch_op.f("ix_referral_first_contact_due_at"))
        batch_op.create_index(
            "ix_referral_status_response_due", ["status", "response_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_referral_status_contact_due", ["status", "first_contact_due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_status_contact_due")
        batch_op.drop_index("ix_referral_status_response_due")
        batch_op.create_index(
            batch_op.f("ix_referral_first_contact_due_at"), ["first_contact_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_response_due_at"), ["response_due_at"], unique=False
        )
