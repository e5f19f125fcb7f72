"""grants: a table of what referrals and decisions grant, indexed by organisation, so that the
inbox and every list find the cases shared with an organisation by an index; filled from the
active referrals and the voters of open or decided decisions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The statuses that grant, as the code had them when this revision was written.
ACTIVE_REFERRALS = ("sent", "accepted", "in_progress")
GRANTING_DECISIONS = ("preparing", "voting", "decided")
BATCH = 10_000

case_grant = sa.table(
    "case_grant",
    sa.column("case_id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("recipient_role", sa.String),
    sa.column("purpose", sa.String),
    sa.column("categories", sa.String),
    sa.column("source", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
referral = sa.table(
    "referral",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("recipient_org_id", sa.Integer),
    sa.column("recipient_role", sa.String),
    sa.column("purpose", sa.String),
    sa.column("status", sa.String),
    sa.column("categories", sa.JSON),
)
decision = sa.table(
    "decision",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("status", sa.String),
)
decision_voter = sa.table(
    "decision_voter",
    sa.column("decision_id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("roles", sa.JSON),
)
covenant_version = sa.table(
    "covenant_version", sa.column("status", sa.String), sa.column("document", sa.JSON)
)


def upgrade() -> None:
    op.create_table(
        "case_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("recipient_role", sa.String(length=60), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("categories", sa.String(length=400), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_grant_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_case_grant_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_grant")),
        sa.UniqueConstraint(
            "case_id",
            "source",
            "organisation_id",
            "recipient_role",
            name=op.f("uq_case_grant_case_id_source_organisation_id_recipient_role"),
        ),
    )
    with op.batch_alter_table("case_grant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_grant_organisation", ["organisation_id", "case_id"], unique=False
        )
    _fill()
    # The planner's first estimate for a freshly filled table is a guess; without figures it
    # walks the whole table for an organisation's grants instead of seeking the index.
    op.execute("ANALYZE case_grant")


def _fill() -> None:
    """What the records grant today, as the services would have written it."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    for row in _grants(bind):
        batch.append({**row, "created_at": now})
        if len(batch) >= BATCH:
            bind.execute(case_grant.insert(), batch)
            batch = []
    if batch:
        bind.execute(case_grant.insert(), batch)


def _grants(bind: sa.Connection) -> Iterator[dict[str, Any]]:
    active = bind.execute(
        sa.select(
            referral.c.id,
            referral.c.case_id,
            referral.c.recipient_org_id,
            referral.c.recipient_role,
            referral.c.purpose,
            referral.c.categories,
        )
        .where(referral.c.status.in_(ACTIVE_REFERRALS))
        .order_by(referral.c.id)
    )
    for ref_id, case_id, org_id, role, purpose, categories in active:
        yield {
            "case_id": case_id,
            "organisation_id": org_id,
            "recipient_role": role,
            "purpose": purpose,
            "categories": ",".join(sorted(set(categories or []))),
            "source": f"referral:{ref_id}",
        }
    # A voter's package is what the covenant in force gives its role under the purpose.
    document = bind.scalar(
        sa.select(covenant_version.c.document).where(covenant_version.c.status == "active")
    )
    voters = bind.execute(
        sa.select(
            decision.c.id,
            decision.c.case_id,
            decision.c.purpose,
            decision_voter.c.organisation_id,
            decision_voter.c.roles,
        )
        .join(decision_voter, decision_voter.c.decision_id == decision.c.id)
        .where(decision.c.status.in_(GRANTING_DECISIONS))
        .order_by(decision.c.id)
    )
    for dec_id, case_id, purpose, org_id, roles in voters:
        for role in roles or []:
            yield {
                "case_id": case_id,
                "organisation_id": org_id,
                "recipient_role": role,
                "purpose": purpose,
                "categories": ",".join(sorted(_package(document, purpose, role))),
                "source": f"decision:{dec_id}",
            }


def _package(document: dict[str, Any] | None, purpose: str, role: str) -> list[str]:
    """The categories the covenant document shares with ``role`` for ``purpose``; none for a
    role or purpose it does not know (or without an active covenant)."""
    if not document or role not in document["roles"] or purpose not in document["purposes"]:
        return []
    return list(document["purposes"][purpose]["sharing"].get(role, {}))


def downgrade() -> None:
    with op.batch_alter_table("case_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_case_grant_organisation")
    op.drop_table("case_grant")
