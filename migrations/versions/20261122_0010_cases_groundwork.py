"""cases and groundwork: signals, tenancy and arrears, contact attempts, agreements,
finances, life map, import jobs, and the inbox indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUNDWORK = {
    "contact_attempt": ("attempted_on", "channel", "outcome", "note"),
    "agreement": ("amount_cents", "starts_on", "status", "note"),
    "finances": ("income_source", "income_cents", "debts_cents", "debts_note", "debt_support"),
}


def _item_columns(table: str) -> list:
    """The columns every groundwork item shares (``GroundworkItem``)."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f(f"fk_{table}_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f(f"fk_{table}_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f(f"fk_{table}_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("row_uid", name=op.f(f"uq_{table}_row_uid")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("arrears_months", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("arrears_since", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("tenant_number", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("signal_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("contact_due_on", sa.Date(), nullable=True))
        batch.create_index("ix_case_file_inbox", ["organisation_id", "status", "id"])
    op.create_index(
        "ix_case_file_awaiting",
        "case_file",
        ["organisation_id", "status", "id"],
        sqlite_where=sa.text("contact_due_on IS NOT NULL"),
        postgresql_where=sa.text("contact_due_on IS NOT NULL"),
    )
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("relation", sa.LargeBinary(), nullable=True))

    case_signal = op.create_table(
        "case_signal",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_signal_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "kind", name=op.f("pk_case_signal")),
    )
    op.create_index("ix_case_signal_kind", "case_signal", ["kind", "case_id"])
    # Cases made before this revision: their kinds into the index table.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, signal_kinds FROM case_file")).all()
    links = []
    for case_id, kinds in rows:
        values = json.loads(kinds) if isinstance(kinds, str) else kinds or []
        links.extend({"case_id": case_id, "kind": kind} for kind in dict.fromkeys(values))
    if links:
        op.bulk_insert(case_signal, links)

    op.create_table(
        "signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("signal_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("import_job_id", sa.Integer(), nullable=True),
        sa.Column("arrears_cents", sa.LargeBinary(), nullable=True),
        sa.Column("arrears_months", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_signal_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_signal_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_signal_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_signal_row_uid")),
    )
    op.create_index(op.f("ix_signal_case_id"), "signal", ["case_id"])

    for table, fields in GROUNDWORK.items():
        extra = [sa.UniqueConstraint("case_id", name=op.f("uq_finances_case_id"))]
        op.create_table(
            table,
            *[sa.Column(name, sa.LargeBinary(), nullable=True) for name in fields],
            *_item_columns(table),
            *(extra if table == "finances" else []),
        )
        op.create_index(op.f(f"ix_{table}_case_id"), table, ["case_id"])

    op.create_table(
        "life_map_entry",
        sa.Column("domain", sa.String(length=20), nullable=False),
        sa.Column("status", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        *_item_columns("life_map_entry"),
        sa.UniqueConstraint("case_id", "domain", name=op.f("uq_life_map_entry_case_id_domain")),
    )
    op.create_index(op.f("ix_life_map_entry_case_id"), "life_map_entry", ["case_id"])

    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_import_job_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_import_job_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(op.f("ix_import_job_organisation_id"), "import_job", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_import_job_organisation_id"), table_name="import_job")
    op.drop_table("import_job")
    for table in ("life_map_entry", *reversed(GROUNDWORK)):
        op.drop_index(op.f(f"ix_{table}_case_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_signal_case_id"), table_name="signal")
    op.drop_table("signal")
    op.drop_index("ix_case_signal_kind", table_name="case_signal")
    op.drop_table("case_signal")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("relation")
    op.drop_index("ix_case_file_awaiting", table_name="case_file")
    with op.batch_alter_table("case_file") as batch:
        batch.drop_index("ix_case_file_inbox")
        batch.drop_column("contact_due_on")
        batch.drop_column("signal_date")
        batch.drop_column("tenant_number")
        batch.drop_column("arrears_since")
        batch.drop_column("arrears_months")
