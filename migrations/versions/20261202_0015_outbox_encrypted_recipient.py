"""outbox: the recipient and the body are encrypted under a data key of each message's own,
and erased (the key destroyed) once the message is sent or given up on

Sent and failed messages lose their plain recipient and body here: nothing needs them again,
which is the point. A message still waiting cannot be carried over, because encrypting needs
the master key and migrations never see it; dropping it would lose an e-mail someone is
waiting for (a code, an invitation). So the upgrade stops while any message waits: deliver
them first (``flask --app wsgi outbox deliver``), then upgrade. The downgrade stops likewise,
since it cannot decrypt.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

outbox = sa.table(
    "outbox_message",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("row_uid", sa.Uuid()),
)


def _refuse_waiting_messages(direction: str) -> None:
    waiting = op.get_bind().scalar(
        sa.select(sa.func.count()).where(outbox.c.status.in_(("pending", "sending")))
    )
    if waiting:
        raise RuntimeError(
            f"{waiting} e-mail(s) still wait in the outbox and cannot be converted here: "
            f"deliver them first (flask --app wsgi outbox deliver), then {direction} again"
        )


def upgrade() -> None:
    _refuse_waiting_messages("upgrade")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("to_addr")
        batch_op.drop_column("body")
        batch_op.add_column(sa.Column("row_uid", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("data_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("to_address", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    for (message_id,) in conn.execute(sa.select(outbox.c.id)).all():
        conn.execute(outbox.update().where(outbox.c.id == message_id).values(row_uid=uuid.uuid4()))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("row_uid", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_message_row_uid"), ["row_uid"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_data_key_id_data_key"),
            "data_key",
            ["data_key_id"],
            ["id"],
        )


def downgrade() -> None:
    _refuse_waiting_messages("downgrade")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_data_key_id_data_key"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_outbox_message_row_uid"), type_="unique")
        batch_op.drop_column("body")
        batch_op.drop_column("to_address")
        batch_op.drop_column("data_key_id")
        batch_op.drop_column("row_uid")
    # Sent and failed messages had their recipient and body erased: they come back empty.
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("to_addr", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("to_addr", existing_type=sa.String(length=254), server_default=None)
        batch_op.alter_column("body", existing_type=sa.Text(), server_default=None)
