"""Inventory: reserve an order's ingredients all-or-nothing, give them back once.

One row per order in ``inventory_reservations`` is the order's single
reservation: a second reserve for the order returns it, and a release that
arrives before its reservation leaves a released row behind, so the late
reservation takes nothing. The shelf itself (``services.stock``) never goes
below zero however many reservations race.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.order import ingredients_needed
from infra.database import insert_once, lock_order, transaction
from services.faults import FaultInjector
from services.messages import LowStock, ReleaseStock, ReserveStock, StockReleased, StockReserved
from services.sql import json_column, time_column, utcnow
from services.stock import (
    DEFAULT_PORTIONS,
    DEFAULT_THRESHOLD,
    StockRow,
    give_back,
    low_stock,
    menu_ingredients,
    take,
)
from services.stock_ledger import record_adjustment


class ReservationRow(SQLModel, table=True):
    """An order's one reservation; ``reserve_key`` is None when a release came first."""

    __tablename__ = "inventory_reservations"

    order_id: str = Field(primary_key=True, max_length=64)
    reserve_key: str | None = Field(default=None, unique=True, max_length=200)
    release_key: str | None = Field(default=None, unique=True, max_length=200)
    status: str = Field(max_length=16)
    ingredients: dict[str, int] = Field(sa_column=json_column())
    low: list[dict[str, Any]] = Field(sa_column=json_column())
    created_at: datetime = Field(sa_column=time_column())
    released_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))


class InventoryService:
    """Stock levels, reservations and releases."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], faults: FaultInjector) -> None:
        self._sessions = sessions
        self._faults = faults

    async def seed(
        self, levels: dict[str, int] | None = None, threshold: int = DEFAULT_THRESHOLD
    ) -> None:
        """Stock ingredients that have no row yet (default: 500 of each menu ingredient)."""
        wanted = dict.fromkeys(menu_ingredients(), DEFAULT_PORTIONS) if levels is None else levels
        if any(quantity < 0 for quantity in wanted.values()) or threshold < 0:
            raise ValueError("stock levels and the threshold cannot be negative")
        async with transaction(self._sessions) as session:
            for ingredient, quantity in sorted(wanted.items()):
                row = {"ingredient": ingredient, "quantity": quantity, "threshold": threshold}
                if await insert_once(session, StockRow, row):
                    await record_adjustment(session, ingredient, "seed", quantity)

    async def reserve(self, req: ReserveStock) -> StockReserved:
        """Set aside every ingredient of the order, or none and raise ``OutOfStock``."""
        existing = await self._reservation(req.order_id)
        if existing is not None:
            return _reserved(existing)
        await self._faults.before_call("inventory")
        needed = ingredients_needed(req.items)
        async with transaction(self._sessions) as session:
            await lock_order(session, "inventory", req.order_id)
            if await insert_once(session, ReservationRow, _new_reservation(req, needed)):
                await take(session, needed)
                low = await low_stock(session, needed)
                await session.execute(
                    update(ReservationRow)
                    .where(col(ReservationRow.order_id) == req.order_id)
                    .values(low=[entry.model_dump() for entry in low])
                )
                return StockReserved(ingredients=needed, low=low)
        return _reserved(await self._existing(req.order_id, req.idempotency_key))

    async def release(self, req: ReleaseStock) -> StockReleased:
        """Put the order's reservation back on the shelf, once; later calls return nothing."""
        await self._faults.before_call("inventory")
        async with transaction(self._sessions) as session:
            await lock_order(session, "inventory", req.order_id)
            if await insert_once(session, ReservationRow, _released_first(req)):
                return StockReleased()
            given_back = await _mark_released(session, req)
            if given_back is not None:
                await give_back(session, given_back)
                return StockReleased(ingredients=given_back)
        row = await self._existing(req.order_id, req.idempotency_key)
        return StockReleased(
            ingredients=row.ingredients if row.release_key == req.idempotency_key else {}
        )

    async def levels(self) -> dict[str, int]:
        """Portions on the shelf, by ingredient."""
        async with self._sessions() as session:
            rows = (await session.execute(select(StockRow))).scalars().all()
        return {row.ingredient: row.quantity for row in sorted(rows, key=lambda r: r.ingredient)}

    async def restock(self, ingredient: str, quantity: int) -> int:
        """Add portions of an ingredient (new ones start from zero); returns the new level."""
        if quantity < 1:
            raise ValueError(f"restock quantity must be at least 1, got {quantity}")
        row = {"ingredient": ingredient, "quantity": 0, "threshold": DEFAULT_THRESHOLD}
        async with transaction(self._sessions) as session:
            await insert_once(session, StockRow, row)
            result = await session.execute(
                update(StockRow)
                .where(col(StockRow.ingredient) == ingredient)
                .values(quantity=col(StockRow.quantity) + quantity)
                .returning(col(StockRow.quantity))
            )
            await record_adjustment(session, ingredient, "restock", quantity)
            return int(result.scalar_one())

    async def count_stock(self, ingredient: str, quantity: int) -> int:
        """Stock-take: set an ingredient's level to what was counted on the shelf.

        Setting an absolute level is idempotent by nature: repeating it changes nothing.
        """
        if quantity < 0:
            raise ValueError(f"a counted quantity cannot be negative, got {quantity}")
        row = {"ingredient": ingredient, "quantity": quantity, "threshold": DEFAULT_THRESHOLD}
        async with transaction(self._sessions) as session:
            if not await insert_once(session, StockRow, row):
                await session.execute(
                    update(StockRow)
                    .where(col(StockRow.ingredient) == ingredient)
                    .values(quantity=quantity)
                )
            await record_adjustment(session, ingredient, "count", quantity)
        return quantity

    async def _reservation(self, order_id: str) -> ReservationRow | None:
        async with self._sessions() as session:
            return await session.get(ReservationRow, order_id)

    async def _existing(self, order_id: str, key: str) -> ReservationRow:
        row = await self._reservation(order_id)
        if row is None:
            raise ValueError(f"idempotency key '{key}' was already used for another order")
        return row


def _new_reservation(req: ReserveStock, needed: dict[str, int]) -> dict[str, Any]:
    return {
        "order_id": req.order_id,
        "reserve_key": req.idempotency_key,
        "status": "reserved",
        "ingredients": needed,
        "low": [],
        "created_at": utcnow(),
    }


def _released_first(req: ReleaseStock) -> dict[str, Any]:
    now = utcnow()
    return {
        "order_id": req.order_id,
        "release_key": req.idempotency_key,
        "status": "released",
        "ingredients": {},
        "low": [],
        "created_at": now,
        "released_at": now,
    }


def _reserved(row: ReservationRow) -> StockReserved:
    if row.reserve_key is None:
        return StockReserved(ingredients={})
    return StockReserved(ingredients=row.ingredients, low=[LowStock(**entry) for entry in row.low])


async def _mark_released(session: AsyncSession, req: ReleaseStock) -> dict[str, int] | None:
    result = await session.execute(
        update(ReservationRow)
        .where(
            col(ReservationRow.order_id) == req.order_id, col(ReservationRow.status) == "reserved"
        )
        .values(status="released", release_key=req.idempotency_key, released_at=utcnow())
        .returning(col(ReservationRow.ingredients))
    )
    ingredients: dict[str, int] | None = result.scalar_one_or_none()
    return ingredients
