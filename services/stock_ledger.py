"""Every change to the shelf that is not an order's: seeding, restocks and stock-takes.

``pizzeria audit`` checks stock is conserved: from the last stock-take (or from
nothing), what was added, minus what orders reserved, plus what they released,
must be what is on the shelf. Orders' movements live in
``inventory_reservations``; this ledger holds the rest, written in the same
transaction as the change it records.
"""

from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from services.sql import sequence_column, time_column, utcnow

# "seed" and "restock" add ``quantity`` portions; "count" sets the level to ``quantity``.
AdjustmentKind = Literal["seed", "restock", "count"]


class StockAdjustmentRow(SQLModel, table=True):
    """One seeding, restock or stock-take of one ingredient."""

    __tablename__ = "inventory_adjustments"

    seq: int | None = Field(default=None, sa_column=sequence_column())
    ingredient: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=16)
    quantity: int
    created_at: datetime = Field(sa_column=time_column())


async def record_adjustment(
    session: AsyncSession, ingredient: str, kind: AdjustmentKind, quantity: int
) -> None:
    """Add the adjustment to the ledger inside the caller's transaction."""
    session.add(
        StockAdjustmentRow(ingredient=ingredient, kind=kind, quantity=quantity, created_at=utcnow())
    )
