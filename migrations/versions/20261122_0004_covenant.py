"""covenant: versions and each partner's acceptance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONLY_ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "covenant_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_by", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_by_id", sa.Integer(), nullable=True),
        sa.Column("activated_how", sa.String(length=12), nullable=True),
        sa.Column("activation_reason", sa.Text(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "activated_how IS NULL OR activated_how IN ('all_accepted','explicit')",
            name=op.f("ck_covenant_version_known_activation"),
        ),
        sa.CheckConstraint(
            "status IN ('draft','active','superseded')",
            name=op.f("ck_covenant_version_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["activated_by_id"],
            ["user_account.id"],
            name=op.f("fk_covenant_version_activated_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["loaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_covenant_version_loaded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_covenant_version")),
        sa.UniqueConstraint("number", name=op.f("uq_covenant_version_number")),
        sa.UniqueConstraint("sha256", name=op.f("uq_covenant_version_sha256")),
    )
    # At most one active version (a partial unique index on both databases).
    op.create_index(
        "uq_covenant_version_one_active",
        "covenant_version",
        ["status"],
        unique=True,
        sqlite_where=ONLY_ACTIVE,
        postgresql_where=ONLY_ACTIVE,
    )

    op.create_table(
        "covenant_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_covenant_acceptance_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_covenant_acceptance_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["covenant_version.id"],
            name=op.f("fk_covenant_acceptance_version_id_covenant_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_covenant_acceptance")),
        sa.UniqueConstraint(
            "version_id",
            "organisation_id",
            name=op.f("uq_covenant_acceptance_version_id_organisation_id"),
        ),
    )
    for column in ("organisation_id", "version_id"):
        op.create_index(op.f(f"ix_covenant_acceptance_{column}"), "covenant_acceptance", [column])


def downgrade() -> None:
    for column in ("organisation_id", "version_id"):
        op.drop_index(op.f(f"ix_covenant_acceptance_{column}"), table_name="covenant_acceptance")
    op.drop_table("covenant_acceptance")
    op.drop_index("uq_covenant_version_one_active", table_name="covenant_version")
    op.drop_table("covenant_version")
