"""handover: joint decisions (decision, voters, votes, prevention checklist, timeline,
dissents, trajectories, assignments)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("covenant_version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("grounds", sa.JSON(), nullable=False),
        sa.Column("court_status", sa.String(length=20), nullable=False),
        sa.Column("judgment_date", sa.Date(), nullable=True),
        sa.Column("minors_present", sa.Boolean(), nullable=False),
        sa.Column("motivation", sa.LargeBinary(), nullable=True),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("voting_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voting_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.LargeBinary(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_reasons", sa.JSON(), nullable=False),
        sa.Column("tally", sa.JSON(), nullable=False),
        sa.Column("sealed_record", sa.Text(), nullable=True),
        sa.Column("seal_hash", sa.String(length=64), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seal_audit_seq", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_decision_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["covenant_version_id"],
            ["covenant_version.id"],
            name=op.f("fk_decision_covenant_version_id_covenant_version"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_account.id"],
            name=op.f("fk_decision_opened_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_decision_row_uid")),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index("ix_decision_case_status", ["case_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_decision_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_seal_hash"), ["seal_hash"], unique=False)
        batch_op.create_index(
            "ix_decision_status_deadline", ["status", "deadline_at"], unique=False
        )

    op.create_table(
        "decision_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_decision_assignment_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_assignment_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_assignment_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_assignment")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_decision_assignment_decision_id")),
    )
    with op.batch_alter_table("decision_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_assignment_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "decision_dissent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_dissent_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_dissent_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_decision_dissent_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_dissent")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_decision_dissent_row_uid")),
    )
    with op.batch_alter_table("decision_dissent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_dissent_decision_id"), ["decision_id"], unique=False
        )

    op.create_table(
        "decision_prevention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=60), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("motivation", sa.LargeBinary(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_prevention_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_prevention_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_decision_prevention_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_prevention")),
        sa.UniqueConstraint(
            "decision_id", "step", name=op.f("uq_decision_prevention_decision_id_step")
        ),
        sa.UniqueConstraint("row_uid", name=op.f("uq_decision_prevention_row_uid")),
    )
    op.create_table(
        "decision_timeline_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("happens_on", sa.Date(), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_decision_timeline_entry_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_timeline_entry_decision_id_decision"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_timeline_entry_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_decision_timeline_entry_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_timeline_entry")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_decision_timeline_entry_row_uid")),
    )
    with op.batch_alter_table("decision_timeline_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decision_timeline_case_date", ["case_id", "happens_on"], unique=False
        )

    op.create_table(
        "decision_trajectory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.LargeBinary(), nullable=True),
        sa.Column("support_agreement", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("tenancy_signed_on", sa.Date(), nullable=True),
        sa.Column("tenancy_note", sa.LargeBinary(), nullable=True),
        sa.Column("tenancy_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("tenancy_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_decision_trajectory_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_trajectory_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenancy_recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_decision_trajectory_tenancy_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_trajectory")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_decision_trajectory_decision_id")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_decision_trajectory_row_uid")),
    )
    op.create_table(
        "decision_voter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("veto", sa.Boolean(), nullable=False),
        sa.Column("position", sa.String(length=20), nullable=True),
        sa.Column("conflict_of_interest", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_voter_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_voter_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_voter")),
        sa.UniqueConstraint(
            "decision_id",
            "organisation_id",
            name=op.f("uq_decision_voter_decision_id_organisation_id"),
        ),
    )
    with op.batch_alter_table("decision_voter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_voter_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "decision_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=20), nullable=False),
        sa.Column("conflict_of_interest", sa.Boolean(), nullable=False),
        sa.Column("motivation", sa.LargeBinary(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_vote_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_vote_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_decision_vote_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["decision_voter.id"],
            name=op.f("fk_decision_vote_voter_id_decision_voter"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_vote")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_decision_vote_row_uid")),
    )
    with op.batch_alter_table("decision_vote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_vote_decision_id"), ["decision_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_vote_decision_id"))

    op.drop_table("decision_vote")
    with op.batch_alter_table("decision_voter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_voter_organisation_id"))

    op.drop_table("decision_voter")
    op.drop_table("decision_trajectory")
    with op.batch_alter_table("decision_timeline_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_timeline_case_date")

    op.drop_table("decision_timeline_entry")
    op.drop_table("decision_prevention")
    with op.batch_alter_table("decision_dissent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_dissent_decision_id"))

    op.drop_table("decision_dissent")
    with op.batch_alter_table("decision_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_assignment_case_id"))

    op.drop_table("decision_assignment")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_status_deadline")
        batch_op.drop_index(batch_op.f("ix_decision_seal_hash"))
        batch_op.drop_index(batch_op.f("ix_decision_organisation_id"))
        batch_op.drop_index("ix_decision_case_status")

    op.drop_table("decision")
