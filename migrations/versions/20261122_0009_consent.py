"""consent: records and their events, requests and invitations, the identity check,
acknowledgements; records and events refuse UPDATE (a trigger on both databases)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: Append-only tables: the trigger refuses any UPDATE (the ORM refuses it too).
IMMUTABLE = ("consent_text", "consent_record", "consent_event", "consent_evidence")


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION kp_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME;
            END;
            $$
            """
        )
        for table in IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kp_refuse_update()"
            )
    else:
        for table in IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            )


def _drop_triggers() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in IMMUTABLE:
        op.execute(
            f"DROP TRIGGER IF EXISTS {table}_immutable" + (f" ON {table}" if postgresql else "")
        )
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS kp_refuse_update()")


def upgrade() -> None:
    op.create_table(
        "consent_text",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_consent_text")),
    )
    op.create_table(
        "consent_identity_lock",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_consent_identity_lock_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_consent_identity_lock")),
    )
    op.create_table(
        "consent_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("covenant_version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("representative_name", sa.LargeBinary(), nullable=True),
        sa.Column("representative_mandate", sa.LargeBinary(), nullable=True),
        sa.Column("representative_email", sa.LargeBinary(), nullable=True),
        sa.Column("representative_phone", sa.LargeBinary(), nullable=True),
        sa.Column("notes", sa.LargeBinary(), nullable=True),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_consent_request_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["covenant_version_id"],
            ["covenant_version.id"],
            name=op.f("fk_consent_request_covenant_version_id_covenant_version"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_request_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_consent_request_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_request_requested_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_request")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_consent_request_row_uid")),
    )
    op.create_index(op.f("ix_consent_request_case_id"), "consent_request", ["case_id"])
    op.create_index(op.f("ix_consent_request_person_id"), "consent_request", ["person_id"])
    op.create_index(op.f("ix_consent_request_status"), "consent_request", ["status"])
    op.create_table(
        "consent_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_request.id"],
            name=op.f("fk_consent_invitation_request_id_consent_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_consent_invitation_token_hash")),
    )
    op.create_index(op.f("ix_consent_invitation_request_id"), "consent_invitation", ["request_id"])
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("receipt_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("recipient_role", sa.String(length=40), nullable=False),
        sa.Column("recipient_organisation_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.String(length=40), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("text_version", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("given_by", sa.String(length=16), nullable=False),
        sa.Column("collected_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("covenant_version_id", sa.Integer(), nullable=False),
        sa.Column("representative_name", sa.LargeBinary(), nullable=True),
        sa.Column("representative_mandate", sa.LargeBinary(), nullable=True),
        sa.Column("notes", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_consent_record_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["collected_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_record_collected_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_record_confirmed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["covenant_version_id"],
            ["covenant_version.id"],
            name=op.f("fk_consent_record_covenant_version_id_covenant_version"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_record_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_consent_record_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_record_recipient_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_request.id"],
            name=op.f("fk_consent_record_request_id_consent_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["text_sha256"],
            ["consent_text.sha256"],
            name=op.f("fk_consent_record_text_sha256_consent_text"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_consent_record_row_uid")),
    )
    op.create_index(op.f("ix_consent_record_case_id"), "consent_record", ["case_id"])
    op.create_index(op.f("ix_consent_record_person_id"), "consent_record", ["person_id"])
    op.create_index(op.f("ix_consent_record_receipt_id"), "consent_record", ["receipt_id"])
    op.create_index(
        op.f("ix_consent_record_recipient_organisation_id"),
        "consent_record",
        ["recipient_organisation_id"],
    )
    op.create_index(op.f("ix_consent_record_request_id"), "consent_record", ["request_id"])
    op.create_index(op.f("ix_consent_record_valid_until"), "consent_record", ["valid_until"])
    op.create_table(
        "consent_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("person_ids", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["consent_invitation.id"],
            name=op.f("fk_consent_challenge_invitation_id_consent_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_challenge")),
    )
    op.create_index(
        op.f("ix_consent_challenge_invitation_id"), "consent_challenge", ["invitation_id"]
    )
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("given_by", sa.String(length=16), nullable=True),
        sa.Column("ends_record", sa.Boolean(), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["consent_record.id"],
            name=op.f("fk_consent_event_record_id_consent_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_consent_event_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    op.create_index(op.f("ix_consent_event_record_id"), "consent_event", ["record_id"])
    op.create_table(
        "consent_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_uid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["consent_record.id"],
            name=op.f("fk_consent_evidence_record_id_consent_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_evidence")),
        sa.UniqueConstraint("row_uid", name=op.f("uq_consent_evidence_row_uid")),
    )
    op.create_index(op.f("ix_consent_evidence_record_id"), "consent_evidence", ["record_id"])
    op.create_table(
        "consent_acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_acknowledgement_acknowledged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_consent_acknowledgement_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["consent_event.id"],
            name=op.f("fk_consent_acknowledgement_event_id_consent_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_acknowledgement_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["consent_record.id"],
            name=op.f("fk_consent_acknowledgement_record_id_consent_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_acknowledgement")),
        sa.UniqueConstraint(
            "event_id",
            "organisation_id",
            name=op.f("uq_consent_acknowledgement_event_id_organisation_id"),
        ),
    )
    op.create_index(
        op.f("ix_consent_acknowledgement_case_id"), "consent_acknowledgement", ["case_id"]
    )
    op.create_index(
        op.f("ix_consent_acknowledgement_event_id"), "consent_acknowledgement", ["event_id"]
    )
    op.create_index(
        op.f("ix_consent_acknowledgement_organisation_id"),
        "consent_acknowledgement",
        ["organisation_id"],
    )
    op.create_index(
        op.f("ix_consent_acknowledgement_record_id"), "consent_acknowledgement", ["record_id"]
    )

    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_index(
        op.f("ix_consent_acknowledgement_record_id"), table_name="consent_acknowledgement"
    )
    op.drop_index(
        op.f("ix_consent_acknowledgement_organisation_id"), table_name="consent_acknowledgement"
    )
    op.drop_index(op.f("ix_consent_acknowledgement_event_id"), table_name="consent_acknowledgement")
    op.drop_index(op.f("ix_consent_acknowledgement_case_id"), table_name="consent_acknowledgement")
    op.drop_table("consent_acknowledgement")
    op.drop_index(op.f("ix_consent_evidence_record_id"), table_name="consent_evidence")
    op.drop_table("consent_evidence")
    op.drop_index(op.f("ix_consent_event_record_id"), table_name="consent_event")
    op.drop_table("consent_event")
    op.drop_index(op.f("ix_consent_challenge_invitation_id"), table_name="consent_challenge")
    op.drop_table("consent_challenge")
    op.drop_index(op.f("ix_consent_record_valid_until"), table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_request_id"), table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_recipient_organisation_id"), table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_receipt_id"), table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_person_id"), table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_case_id"), table_name="consent_record")
    op.drop_table("consent_record")
    op.drop_index(op.f("ix_consent_invitation_request_id"), table_name="consent_invitation")
    op.drop_table("consent_invitation")
    op.drop_index(op.f("ix_consent_request_status"), table_name="consent_request")
    op.drop_index(op.f("ix_consent_request_person_id"), table_name="consent_request")
    op.drop_index(op.f("ix_consent_request_case_id"), table_name="consent_request")
    op.drop_table("consent_request")
    op.drop_table("consent_identity_lock")
    op.drop_table("consent_text")
