"""The shelf: portions per ingredient, taken and given back by conditional UPDATEs.

``take`` decrements each ingredient only ``WHERE quantity >= n``, so stock
never goes negative however many transactions race; ingredients are locked in
sorted order, so two orders sharing ingredients cannot deadlock.
"""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from domain.errors import OutOfStock
from domain.menu import MENU
from services.messages import LowStock
from services.sql import rows_changed

DEFAULT_PORTIONS = 500
DEFAULT_THRESHOLD = 20


class StockRow(SQLModel, table=True):
    """Portions of one ingredient on the shelf, and when to restock it."""

    __tablename__ = "inventory_stock"

    ingredient: str = Field(primary_key=True, max_length=64)
    quantity: int = Field(ge=0)
    threshold: int = DEFAULT_THRESHOLD


def menu_ingredients() -> list[str]:
    """Every ingredient some pizza on the menu uses."""
    return sorted({ingredient for pizza in MENU.values() for ingredient in pizza.recipe})


async def take(session: AsyncSession, needed: dict[str, int]) -> None:
    """Take every needed portion, or raise ``OutOfStock`` naming the shortfall."""
    short = []
    for ingredient, portions in sorted(needed.items()):
        result = await session.execute(
            update(StockRow)
            .where(col(StockRow.ingredient) == ingredient, col(StockRow.quantity) >= portions)
            .values(quantity=col(StockRow.quantity) - portions)
        )
        if rows_changed(result) == 0:
            short.append(ingredient)
    if short:
        have = await quantities(session, short)
        missing = ", ".join(f"{i} (need {needed[i]}, have {have.get(i, 0)})" for i in short)
        raise OutOfStock(f"not enough stock: {missing}")


async def give_back(session: AsyncSession, ingredients: dict[str, int]) -> None:
    """Put portions back on the shelf."""
    for ingredient, portions in sorted(ingredients.items()):
        await session.execute(
            update(StockRow)
            .where(col(StockRow.ingredient) == ingredient)
            .values(quantity=col(StockRow.quantity) + portions)
        )


async def quantities(session: AsyncSession, ingredients: list[str]) -> dict[str, int]:
    """Portions on the shelf of these ingredients (absent ones are left out)."""
    query = select(StockRow).where(col(StockRow.ingredient).in_(ingredients))
    return {row.ingredient: row.quantity for row in (await session.execute(query)).scalars()}


async def low_stock(session: AsyncSession, ingredients: dict[str, int]) -> list[LowStock]:
    """Which of these ingredients are under their restock threshold."""
    query = (
        select(StockRow)
        .where(
            col(StockRow.ingredient).in_(ingredients),
            col(StockRow.quantity) < col(StockRow.threshold),
        )
        .order_by(col(StockRow.ingredient))
    )
    rows = (await session.execute(query)).scalars().all()
    return [
        LowStock(ingredient=r.ingredient, remaining=r.quantity, threshold=r.threshold) for r in rows
    ]
