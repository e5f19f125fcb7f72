"""early signalling, the corporation's side: letters as groundwork (with whether each one
pointed to debt help and offered to pass the data on), the tenant's objections, a readiness
row per case for the ready-to-report list, the reports sent (one per case and month) and
the background jobs that report thousands at once

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_on", sa.LargeBinary(), nullable=True),
        sa.Column("kind", sa.LargeBinary(), nullable=True),
        sa.Column("points_to_help", sa.LargeBinary(), nullable=True),
        sa.Column("data_offer", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        _fk("letter", "case_id", "case_file.id", ondelete="CASCADE"),
        _fk("letter", "created_by_id", "user_account.id"),
        _fk("letter", "organisation_id", "organisation.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_letter_row_uid")),
    )
    op.create_index(op.f("ix_letter_case_id"), "letter", ["case_id"])

    op.create_table(
        "signal_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_source", sa.String(length=12), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        _fk("signal_objection", "case_id", "case_file.id", ondelete="CASCADE"),
        _fk("signal_objection", "organisation_id", "organisation.id"),
        _fk("signal_objection", "recorded_by_id", "user_account.id"),
        _fk("signal_objection", "withdrawn_by_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_objection")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_signal_objection_row_uid")),
    )
    op.create_index(op.f("ix_signal_objection_case_id"), "signal_objection", ["case_id"])
    op.create_index(
        "uq_signal_objection_active",
        "signal_objection",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text("withdrawn_at IS NULL"),
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )

    op.create_table(
        "signal_readiness",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("signal_readiness", "case_id", "case_file.id", ondelete="CASCADE"),
        _fk("signal_readiness", "organisation_id", "organisation.id"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_signal_readiness")),
    )
    op.create_index(
        "ix_signal_readiness_list", "signal_readiness", ["organisation_id", "state", "case_id"]
    )

    op.create_table(
        "signal_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_cents", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        _fk("signal_report", "case_id", "case_file.id", ondelete="CASCADE"),
        _fk("signal_report", "organisation_id", "organisation.id"),
        _fk("signal_report", "referral_id", "referral.id", ondelete="SET NULL"),
        _fk("signal_report", "reported_by_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_report")),
        sa.UniqueConstraint("case_id", "period", name=op.f("uq_signal_report_case_id_period")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_signal_report_row_uid")),
    )
    op.create_index(op.f("ix_signal_report_organisation_id"), "signal_report", ["organisation_id"])

    op.create_table(
        "signal_report_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("crisis", sa.Boolean(), nullable=False),
        sa.Column("warm_handover", sa.Boolean(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        _fk("signal_report_job", "organisation_id", "organisation.id"),
        _fk("signal_report_job", "user_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_report_job")),
    )
    op.create_index(
        op.f("ix_signal_report_job_organisation_id"), "signal_report_job", ["organisation_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_signal_report_job_organisation_id"), table_name="signal_report_job")
    op.drop_table("signal_report_job")
    op.drop_index(op.f("ix_signal_report_organisation_id"), table_name="signal_report")
    op.drop_table("signal_report")
    op.drop_index("ix_signal_readiness_list", table_name="signal_readiness")
    op.drop_table("signal_readiness")
    op.drop_index("uq_signal_objection_active", table_name="signal_objection")
    op.drop_index(op.f("ix_signal_objection_case_id"), table_name="signal_objection")
    op.drop_table("signal_objection")
    op.drop_index(op.f("ix_letter_case_id"), table_name="letter")
    op.drop_table("letter")
