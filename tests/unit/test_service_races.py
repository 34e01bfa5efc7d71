"""Racing callers: the database's constraints, not luck, keep effects single.

These take only the ``sessions`` fixture, so overriding ``database_url``
reruns them unchanged on PostgreSQL, where the races are truly parallel.
"""

import asyncio
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import OutOfStock
from domain.menu import Size
from domain.order import OrderItem
from services.faults import FaultInjector
from services.inventory import InventoryService
from services.messages import (
    ChargePayment,
    PaymentReceipt,
    ReserveStock,
    SendNotification,
    StockReserved,
)
from services.notifications import NotificationService
from services.payments import PaymentService
from services.providers import LocalProvider


def payments(sessions: async_sessionmaker[AsyncSession]) -> PaymentService:
    return PaymentService(sessions, FaultInjector(sessions), limit=Decimal("500"))


async def test_twenty_identical_charges_charge_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    service = payments(sessions)
    request = ChargePayment(
        order_id="o1", idempotency_key="k", customer_id="c", amount=Decimal("9.99")
    )

    receipts = await asyncio.gather(*(service.charge(request) for _ in range(20)))

    assert len(set(receipts)) == 1
    assert [e.kind for e in await service.ledger("o1")] == ["charge"]


async def test_twenty_charges_with_different_keys_charge_the_order_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    service = payments(sessions)
    requests = [
        ChargePayment(order_id="o1", idempotency_key=f"k{i}", customer_id="c", amount=Decimal(5))
        for i in range(20)
    ]

    receipts: list[PaymentReceipt] = await asyncio.gather(*map(service.charge, requests))

    assert len({r.payment_id for r in receipts}) == 1
    assert await service.balance("o1") == Decimal("5.00")


async def test_fifty_orders_racing_for_ten_portions_never_oversell(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inventory = InventoryService(sessions, FaultInjector(sessions))
    await inventory.seed({"dough": 10, "tomato": 100, "mozzarella": 100, "basil": 100})
    one_pizza = [OrderItem(pizza="margherita", size=Size.SMALL, quantity=1)]
    requests = [
        ReserveStock(order_id=f"o{i}", idempotency_key=f"k{i}", items=one_pizza) for i in range(50)
    ]

    outcomes = await asyncio.gather(*map(inventory.reserve, requests), return_exceptions=True)

    assert sum(isinstance(o, StockReserved) for o in outcomes) == 10
    assert sum(isinstance(o, OutOfStock) for o in outcomes) == 40
    assert (await inventory.levels())["dough"] == 0
    assert (await inventory.levels())["tomato"] == 90


async def test_twenty_identical_notifications_reach_the_provider_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sms = LocalProvider("sms", sessions)
    service = NotificationService(
        sessions, FaultInjector(sessions), sms=sms, email=LocalProvider("email", sessions)
    )
    request = SendNotification(
        order_id="o1",
        idempotency_key="k",
        channel="sms",
        purpose="confirmation",
        recipient="+39 055 123 4567",
        customer_name="Ada",
    )

    receipts = await asyncio.gather(*(service.send(request) for _ in range(20)))

    assert len(set(receipts)) == 1
    assert len(await sms.messages()) == 1
    assert len(await service.sent("o1")) == 1
