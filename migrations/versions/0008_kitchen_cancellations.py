"""Kitchen cancellations get their own table instead of tombstone tickets.

A cancellation that came before its ticket used to be a ``cancelled`` row in
``kitchen_tickets`` without an ``idempotency_key``: the tickets table then
listed orders the kitchen never got. Every cancellation is now a row of
``kitchen_cancellations``; the tombstones move there and leave the tickets.

Revision ID: 0008_kitchen_cancellations
Revises: 0007_outbox_traceparent
Create Date: 2026-12-02 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_kitchen_cancellations"
down_revision: str | None = "0007_outbox_traceparent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kitchen_cancellations",
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("cancel_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
        sa.UniqueConstraint("cancel_key"),
    )
    op.execute(
        "INSERT INTO kitchen_cancellations (order_id, cancel_key, cancelled_at)"
        " SELECT order_id, cancel_key, created_at FROM kitchen_tickets"
        " WHERE cancel_key IS NOT NULL"
    )
    op.execute("DELETE FROM kitchen_tickets WHERE idempotency_key IS NULL")


def downgrade() -> None:
    # The cancellations of orders without a ticket are forgotten: a late open would queue them.
    op.drop_table("kitchen_cancellations")
