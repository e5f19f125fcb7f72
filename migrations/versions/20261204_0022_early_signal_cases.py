"""handover: the municipality's signal case for each early signal (legal deadlines on working
days, pick-up, outcome, the link to debt help) and its contact attempts

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recipient_org_id", sa.Integer(), nullable=False),
        sa.Column("crisis", sa.Boolean(), nullable=False),
        sa.Column("warm_handover", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("signal_date", sa.Date(), nullable=False),
        sa.Column("conversation_due_on", sa.Date(), nullable=False),
        sa.Column("first_conversation_on", sa.Date(), nullable=True),
        sa.Column("decision_due_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("picked_up_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("amount_cents", sa.LargeBinary(), nullable=True),
        sa.Column("arrears_since", sa.LargeBinary(), nullable=True),
        sa.Column("birth_date", sa.LargeBinary(), nullable=True),
        sa.Column("postcode", sa.LargeBinary(), nullable=True),
        sa.Column("house_number", sa.LargeBinary(), nullable=True),
        sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("warned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("follow_up_referral_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_early_signal_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_referral_id"],
            ["referral.id"],
            name=op.f("fk_early_signal_follow_up_referral_id_referral"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_org_id"],
            ["organisation.id"],
            name=op.f("fk_early_signal_recipient_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_early_signal_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_signal")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_early_signal_referral_id")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_early_signal_row_uid")),
    )
    op.create_index(op.f("ix_early_signal_case_id"), "early_signal", ["case_id"], unique=False)
    # The inbox's keyset pages and ``sla check``'s range seek (see the model).
    op.create_index(
        "ix_early_signal_inbox",
        "early_signal",
        ["recipient_org_id", "closed", "priority", "due_on", "id"],
        unique=False,
    )
    op.create_index(
        "ix_early_signal_overdue", "early_signal", ["closed", "warned", "due_on"], unique=False
    )
    op.create_table(
        "early_signal_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.LargeBinary(), nullable=True),
        sa.Column("reached", sa.LargeBinary(), nullable=True),
        sa.Column("attempted_on", sa.LargeBinary(), nullable=True),
        sa.Column("day_part", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_early_signal_attempt_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_early_signal_attempt_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_early_signal_attempt_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["early_signal.id"],
            name=op.f("fk_early_signal_attempt_signal_id_early_signal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_signal_attempt")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_early_signal_attempt_row_uid")),
    )
    op.create_index(
        op.f("ix_early_signal_attempt_case_id"), "early_signal_attempt", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_early_signal_attempt_signal_id"),
        "early_signal_attempt",
        ["signal_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("early_signal_attempt")
    op.drop_table("early_signal")
