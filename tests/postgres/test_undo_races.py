"""A step and its undo racing for one order, from two workers with their own pools.

The rule that keeps "no permanent effect for a compensated order", whichever
lands first: an undo after its step undoes it; an undo before its step blocks
it (the charge is declined, the reservation takes nothing, the ticket stays
cancelled). Many orders race at once, so on PostgreSQL the two transactions
truly overlap; each test also runs on SQLite.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import PaymentDeclined
from domain.events import OrderConfirmed, PaymentRefunded
from domain.menu import Size
from domain.order import OrderItem
from infra.database import make_engine, make_session_factory
from infra.migrations import upgrade_to_head
from services.analytics import AnalyticsService
from services.faults import FaultInjector
from services.inventory import InventoryService
from services.kitchen import KitchenService
from services.messages import (
    CancelTicket,
    ChargePayment,
    OpenTicket,
    RefundPayment,
    ReleaseStock,
    ReserveStock,
)
from services.payments import PaymentService

Pools = list[async_sessionmaker[AsyncSession]]
ORDERS = 60
PIZZA = [OrderItem(pizza="margherita", size=Size.SMALL, quantity=1)]


@pytest.fixture
async def two_pools(database_url: str) -> AsyncIterator[Pools]:
    """Two independent engines on one migrated database."""
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        await upgrade_to_head(engines[0])
        yield [make_session_factory(engine) for engine in engines]
    finally:
        await asyncio.gather(*(engine.dispose() for engine in engines))


async def test_a_charge_racing_its_refund_never_leaves_the_order_charged(two_pools: Pools) -> None:
    first, second = (PaymentService(p, FaultInjector(p), Decimal("500")) for p in two_pools)

    async def race(n: int) -> None:
        charge = ChargePayment(
            order_id=f"o{n}", idempotency_key=f"c{n}", customer_id="c", amount=Decimal("9.50")
        )
        refund = RefundPayment(order_id=f"o{n}", idempotency_key=f"r{n}")
        await asyncio.gather(first.charge(charge), second.refund(refund), return_exceptions=True)

    await asyncio.gather(*(race(n) for n in range(ORDERS)))

    balances = [await first.balance(f"o{n}") for n in range(ORDERS)]
    assert [n for n, paid in enumerate(balances) if paid] == []


async def test_a_charge_after_its_refund_is_declined_and_one_before_is_refunded(
    two_pools: Pools,
) -> None:
    payments = PaymentService(two_pools[0], FaultInjector(two_pools[0]), Decimal("500"))
    charge = ChargePayment(order_id="o", idempotency_key="c", customer_id="c", amount=Decimal(5))

    await payments.refund(RefundPayment(order_id="o", idempotency_key="r"))

    with pytest.raises(PaymentDeclined):
        await payments.charge(charge)
    assert [line.kind for line in await payments.ledger("o")] == ["refund"]


async def test_a_reservation_racing_its_release_never_keeps_stock(two_pools: Pools) -> None:
    first, second = (InventoryService(p, FaultInjector(p)) for p in two_pools)
    await first.seed({"dough": 1000, "tomato": 1000, "mozzarella": 1000, "basil": 1000})

    async def race(n: int) -> None:
        reserve = ReserveStock(order_id=f"o{n}", idempotency_key=f"s{n}", items=PIZZA)
        release = ReleaseStock(order_id=f"o{n}", idempotency_key=f"r{n}")
        await asyncio.gather(first.reserve(reserve), second.release(release))

    await asyncio.gather(*(race(n) for n in range(ORDERS)))

    assert await first.levels() == {
        "basil": 1000,
        "dough": 1000,
        "mozzarella": 1000,
        "tomato": 1000,
    }


async def test_a_ticket_racing_its_cancellation_never_stays_on_the_queue(two_pools: Pools) -> None:
    first, second = (KitchenService(p, FaultInjector(p)) for p in two_pools)

    async def race(n: int) -> None:
        ticket = OpenTicket(order_id=f"o{n}", idempotency_key=f"t{n}", items=PIZZA)
        cancel = CancelTicket(order_id=f"o{n}", idempotency_key=f"x{n}")
        await asyncio.gather(first.open_ticket(ticket), second.cancel_ticket(cancel))

    await asyncio.gather(*(race(n) for n in range(ORDERS)))

    assert await first.queue() == []
    for n in range(ORDERS):
        ticket = await second.ticket(f"o{n}")
        assert ticket is not None and ticket.status == "cancelled"


async def test_refunds_counted_at_once_never_take_more_than_was_confirmed(two_pools: Pools) -> None:
    first, second = (AnalyticsService(pool) for pool in two_pools)
    day = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    def refund(n: int) -> PaymentRefunded:
        return PaymentRefunded(
            event_id=uuid4(), order_id=f"o{n}", occurred_at=day, payment_id="p", amount=Decimal(4)
        )

    confirmations = [
        OrderConfirmed(
            event_id=uuid4(), order_id=f"o{n}", occurred_at=day, ticket_id="t", total=Decimal(8)
        )
        for n in range(ORDERS)
    ]
    await first.record(*confirmations)

    await asyncio.gather(
        *(service.record(refund(n)) for n in range(ORDERS) for service in (first, second, first))
    )

    assert (await first.metrics()).revenue == Decimal("0.00")
