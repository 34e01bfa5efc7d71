"""Orders view: ``needs_attention``, set while an undo waits for a person.

Revision ID: 0004_needs_attention
Revises: 0003_order_contacts
Create Date: 2026-12-01 21:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_needs_attention"
down_revision: str | None = "0003_order_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing orders were never flagged: the default fills their rows.
    with op.batch_alter_table("orders_view", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_attention", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_orders_view_needs_attention"), ["needs_attention"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("orders_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_view_needs_attention"))
        batch_op.drop_column("needs_attention")
