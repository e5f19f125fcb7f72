"""webhooks of partner systems: each system's address and sealed signing key, and the
deliveries, written with the change they tell about and posted afterwards

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_client", sa.Column("webhook_url", sa.String(length=500), nullable=True))
    op.add_column("api_client", sa.Column("webhook_secret", sa.String(length=200), nullable=True))
    op.create_table(
        "api_webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_pk"],
            ["api_client.id"],
            name=op.f("fk_api_webhook_delivery_client_pk_api_client"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_webhook_delivery")),
    )
    for column in ("client_pk", "status", "next_attempt_at"):
        op.create_index(op.f(f"ix_api_webhook_delivery_{column}"), "api_webhook_delivery", [column])


def downgrade() -> None:
    op.drop_table("api_webhook_delivery")
    op.drop_column("api_client", "webhook_secret")
    op.drop_column("api_client", "webhook_url")
