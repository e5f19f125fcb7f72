"""field encryption: data keys, cases and their household, blind indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSON_FIELDS = (
    "surname",
    "initials",
    "birth_date",
    "bsn",
    "phone",
    "email",
    "street",
    "house_number",
    "postcode",
    "city",
)


def upgrade() -> None:
    op.create_table(
        "data_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kek_version", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_key")),
    )
    op.create_index(op.f("ix_data_key_kek_version"), "data_key", ["kek_version"])

    op.create_table(
        "case_reference_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_reference_counter")),
    )

    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signal_kinds", sa.JSON(), nullable=False),
        sa.Column("data_key_id", sa.Integer(), nullable=False),
        sa.Column("arrears_cents", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_case_file_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_case_file_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("data_key_id", name=op.f("uq_case_file_data_key_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_file_reference")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_case_file_row_uid")),
    )
    op.create_index(op.f("ix_case_file_organisation_id"), "case_file", ["organisation_id"])

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.LargeBinary(), nullable=True) for name in PERSON_FIELDS),
        sa.Column("is_main_tenant", sa.Boolean(), nullable=False),
        sa.Column("is_minor", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_person_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_person_row_uid")),
    )
    op.create_index(op.f("ix_person_case_id"), "person", ["case_id"])

    op.create_table(
        "blind_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_blind_index_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_index")),
        sa.UniqueConstraint("person_id", "field", name=op.f("uq_blind_index_person_id_field")),
    )
    op.create_index("ix_blind_index_lookup", "blind_index", ["field", "digest"])


def downgrade() -> None:
    op.drop_index("ix_blind_index_lookup", table_name="blind_index")
    op.drop_table("blind_index")
    op.drop_index(op.f("ix_person_case_id"), table_name="person")
    op.drop_table("person")
    op.drop_index(op.f("ix_case_file_organisation_id"), table_name="case_file")
    op.drop_table("case_file")
    op.drop_table("case_reference_counter")
    op.drop_index(op.f("ix_data_key_kek_version"), table_name="data_key")
    op.drop_table("data_key")
