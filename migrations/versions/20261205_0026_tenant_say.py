"""the tenant's own say, her contact corrections and her representatives' mandates; how a
joint decision heard the tenant

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_mandate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.LargeBinary(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column("since", sa.LargeBinary(), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("sms_digest", sa.String(length=32), nullable=True),
        sa.Column("mail_digest", sa.String(length=32), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_tenant_mandate_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["user_account.id"],
            name=op.f("fk_tenant_mandate_ended_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_tenant_mandate_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_tenant_mandate_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_tenant_mandate_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_mandate")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_tenant_mandate_row_uid")),
    )
    with op.batch_alter_table("tenant_mandate", schema=None) as batch_op:
        batch_op.create_index("ix_tenant_mandate_email", ["mail_digest"], unique=False)
        batch_op.create_index("ix_tenant_mandate_phone", ["sms_digest"], unique=False)

    op.create_table(
        "contact_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=10), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_contact_correction_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_contact_correction_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"],
            ["tenant_mandate.id"],
            name=op.f("fk_contact_correction_mandate_id_tenant_mandate"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_contact_correction_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_correction")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_contact_correction_row_uid")),
    )
    with op.batch_alter_table("contact_correction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_correction_case_status", ["case_id", "status"], unique=False
        )

    op.create_table(
        "tenant_say",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("mandate_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
        sa.Column("answered_by_org_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_org_id"],
            ["organisation.id"],
            name=op.f("fk_tenant_say_answered_by_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_tenant_say_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"],
            ["tenant_mandate.id"],
            name=op.f("fk_tenant_say_mandate_id_tenant_mandate"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_tenant_say_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_say")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_tenant_say_row_uid")),
    )
    with op.batch_alter_table("tenant_say", schema=None) as batch_op:
        batch_op.create_index("ix_tenant_say_case", ["case_id", "id"], unique=False)

    op.add_column("consent_challenge", sa.Column("mandates", sa.JSON(), nullable=True))
    op.add_column("decision", sa.Column("tenant_heard", sa.String(length=20), nullable=True))
    op.add_column("decision", sa.Column("tenant_heard_note", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later drop a column in place): a batch copy of the
    # decision table would trip the foreign keys that point at it.
    op.execute("ALTER TABLE consent_challenge DROP COLUMN mandates")
    op.execute("ALTER TABLE decision DROP COLUMN tenant_heard_note")
    op.execute("ALTER TABLE decision DROP COLUMN tenant_heard")

    with op.batch_alter_table("tenant_say", schema=None) as batch_op:
        batch_op.drop_index("ix_tenant_say_case")

    op.drop_table("tenant_say")
    with op.batch_alter_table("contact_correction", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_correction_case_status")

    op.drop_table("contact_correction")
    with op.batch_alter_table("tenant_mandate", schema=None) as batch_op:
        batch_op.drop_index("ix_tenant_mandate_phone")
        batch_op.drop_index("ix_tenant_mandate_email")

    op.drop_table("tenant_mandate")
