"""Races between two service instances with their own connection pools, as two
worker machines would run them, on the schema the migrations build.

Each test takes ``database_url``: on PostgreSQL the two pools truly run in
parallel, so only the migrated unique constraints and conditional updates
keep each effect single.
"""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import OutOfStock
from domain.menu import Size
from domain.order import OrderItem
from infra.database import make_engine, make_session_factory
from infra.migrations import upgrade_to_head
from services.faults import FaultInjector
from services.inventory import InventoryService
from services.messages import ChargePayment, ReserveStock, StockReserved
from services.payments import PaymentService

Pools = list[async_sessionmaker[AsyncSession]]


@pytest.fixture
async def two_pools(database_url: str) -> AsyncIterator[Pools]:
    """Two independent engines on one migrated database."""
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        await upgrade_to_head(engines[0])
        yield [make_session_factory(engine) for engine in engines]
    finally:
        await asyncio.gather(*(engine.dispose() for engine in engines))


def payments(sessions: async_sessionmaker[AsyncSession]) -> PaymentService:
    return PaymentService(sessions, FaultInjector(sessions), limit=Decimal("500"))


def inventory(sessions: async_sessionmaker[AsyncSession]) -> InventoryService:
    return InventoryService(sessions, FaultInjector(sessions))


async def test_twenty_identical_charges_from_two_workers_charge_once(two_pools: Pools) -> None:
    services = [payments(pool) for pool in two_pools]
    charge = ChargePayment(
        order_id="o1", idempotency_key="charge-o1", customer_id="c1", amount=Decimal("23.50")
    )

    receipts = await asyncio.gather(*(services[i % 2].charge(charge) for i in range(20)))

    assert len(set(receipts)) == 1
    assert [entry.kind for entry in await services[0].ledger("o1")] == ["charge"]
    assert await services[1].balance("o1") == Decimal("23.50")


async def test_fifty_orders_from_two_workers_racing_for_ten_portions(two_pools: Pools) -> None:
    shelves = [inventory(pool) for pool in two_pools]
    await shelves[0].seed({"dough": 10, "tomato": 100, "mozzarella": 100, "basil": 100})
    one_pizza = [OrderItem(pizza="margherita", size=Size.SMALL, quantity=1)]
    orders = [
        ReserveStock(order_id=f"o{i}", idempotency_key=f"k{i}", items=one_pizza) for i in range(50)
    ]

    outcomes = await asyncio.gather(
        *(shelves[i % 2].reserve(order) for i, order in enumerate(orders)), return_exceptions=True
    )

    assert sum(isinstance(outcome, StockReserved) for outcome in outcomes) == 10
    assert sum(isinstance(outcome, OutOfStock) for outcome in outcomes) == 40
    levels = await shelves[1].levels()
    assert (levels["dough"], levels["tomato"]) == (0, 90)
    async with two_pools[0]() as session:
        lowest = await session.scalar(text("SELECT min(quantity) FROM inventory_stock"))
        reservations = await session.scalar(text("SELECT count(*) FROM inventory_reservations"))
    assert lowest == 0
    assert reservations == 10
