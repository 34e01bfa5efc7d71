"""Outbox rows carry the W3C ``traceparent`` of the change that committed them.

The relay publishes each event as a child of that span, so one order's trace
runs from the API's command through the relay to every consumer.

Revision ID: 0007_outbox_traceparent
Revises: 0006_stock_adjustments
Create Date: 2026-12-01 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_outbox_traceparent"
down_revision: str | None = "0006_stock_adjustments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("choreo_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("traceparent", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("choreo_outbox", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
