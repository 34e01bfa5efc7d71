"""Order contacts: the customer's name, phone, email and address leave OrderPlaced (v2).

Revision ID: 0003_order_contacts
Revises: 0002
Create Date: 2026-12-01 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_order_contacts"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "order_contacts",
        sa.Column("order_id", text(length=64), nullable=False),
        sa.Column("name", text(length=120), nullable=False),
        sa.Column("phone", text(length=32), nullable=False),
        sa.Column("email", text(length=254), nullable=False),
        sa.Column("delivery_address", text(length=300), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )


def downgrade() -> None:
    op.drop_table("order_contacts")
