"""The stock adjustments ledger (seeding, restocks, stock-takes) that ``pizzeria audit`` reads.

A database migrated from an earlier revision already has stock: its levels
are recorded as a stock-take at migration time, the baseline the audit counts
from.

Revision ID: 0006_stock_adjustments
Revises: 0005_read_model_version
Create Date: 2026-12-01 21:50:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_stock_adjustments"
down_revision: str | None = "0005_read_model_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    adjustments = op.create_table(
        "inventory_adjustments",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ingredient", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("inventory_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inventory_adjustments_ingredient"), ["ingredient"], unique=False
        )
    stock = sa.table("inventory_stock", sa.column("ingredient"), sa.column("quantity"))
    levels = op.get_bind().execute(sa.select(stock.c.ingredient, stock.c.quantity)).all()
    now = datetime.now(UTC)
    op.bulk_insert(
        adjustments,
        [{"ingredient": i, "kind": "count", "quantity": q, "created_at": now} for i, q in levels],
    )


def downgrade() -> None:
    with op.batch_alter_table("inventory_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inventory_adjustments_ingredient"))
    op.drop_table("inventory_adjustments")
