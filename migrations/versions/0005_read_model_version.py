"""The read model's view carries a version, so a late write never rolls it back; analytics
keeps each order's confirmed and refunded cents, so revenue never counts a refund twice
or a refund of an order it never counted.

Revision ID: 0005_read_model_version
Revises: 0004_needs_attention
Create Date: 2026-12-01 21:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_read_model_version"
down_revision: str | None = "0004_needs_attention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders_view", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "analytics_order_revenue",
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("confirmed_cents", sa.Integer(), nullable=False),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )


def downgrade() -> None:
    op.drop_table("analytics_order_revenue")
    with op.batch_alter_table("orders_view", schema=None) as batch_op:
        batch_op.drop_column("version")
