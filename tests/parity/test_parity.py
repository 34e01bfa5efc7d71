"""Orchestration and choreography, same scenario, same outcome.

One parametrized test drives each scenario through the HTTP API of both modes
and requires: the same final status; the same events (type, and purpose and
channel for notifications); the status-changing events in the same order;
every event after one of its causes (``harness.CAUSES``); and the same rows,
without ids, in the reservations, payments, tickets and notifications tables.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from services.stock import StockRow
from tests.parity.harness import (
    Harness,
    causal_violations,
    choreography,
    orchestration,
    outcome,
    settle,
)

CONFIRMATION = ["NotificationSent:confirmation/sms", "NotificationSent:confirmation/email"]
TO_CONFIRMED = ["OrderPlaced", "InventoryReserved", "PaymentProcessed", "OrderConfirmed"]
DELIVERED = [
    *TO_CONFIRMED,
    *CONFIRMATION,
    "OrderCookingStarted",
    "OrderReady",
    "OrderOutForDelivery",
    "NotificationSent:out_for_delivery/sms",
    "OrderDelivered",
]
DELAY = ["OrderDelayed:cooking", "NotificationSent:delay/sms"]
REJECTION = ["OrderRejected", "NotificationSent:rejection/sms", "NotificationSent:rejection/email"]
STAFF_STEPS = (
    ("/kitchen/orders/{id}/start", "kitchen"),
    ("/kitchen/orders/{id}/ready", "kitchen"),
    ("/delivery/orders/{id}/pickup", "driver"),
    ("/delivery/orders/{id}/delivered", "driver"),
)
CAPRICCIOSA = [{"pizza": "capricciosa", "size": "medium", "quantity": 2}]


async def deliver(harness: Harness) -> str:
    desk = harness.desk
    order_id = await desk.confirmed()
    for path, role in STAFF_STEPS:
        response = await desk.post(path.format(id=order_id), role)
        assert response.status_code == 200, response.text
    return order_id


async def with_fault(harness: Harness, provider: str, fault: dict[str, Any], then: str) -> str:
    desk = harness.desk
    await desk.call("PUT", f"/admin/faults/{provider}", "admin", json=fault)
    try:
        if then == "deliver":
            return await deliver(harness)
        order_id: str = (await desk.place())["order_id"]
        await desk.wait_for(order_id, then)
        return order_id
    finally:
        await desk.call("DELETE", f"/admin/faults/{provider}", "admin")


async def payment_declined(harness: Harness) -> str:
    return await with_fault(harness, "payments", {"mode": "decline"}, "REJECTED")


async def kitchen_down(harness: Harness) -> str:
    return await with_fault(harness, "kitchen", {"mode": "down"}, "REJECTED")


async def payments_down(harness: Harness) -> str:
    return await with_fault(harness, "payments", {"mode": "down"}, "REJECTED")


async def sms_down_once(harness: Harness) -> str:
    return await with_fault(harness, "sms", {"mode": "down", "remaining": 1}, "deliver")


async def out_of_stock(harness: Harness) -> str:
    artichokes = col(StockRow.ingredient) == "artichokes"
    async with harness.engine.begin() as connection:
        shelf = select(StockRow.quantity).where(artichokes)  # type: ignore[call-overload]
        before = (await connection.execute(shelf)).scalar_one()
        await connection.execute(update(StockRow).where(artichokes).values(quantity=0))
    try:
        order_id: str = (await harness.desk.place(items=CAPRICCIOSA))["order_id"]
        await harness.desk.wait_for(order_id, "REJECTED")
        return order_id
    finally:
        async with harness.engine.begin() as connection:
            await connection.execute(update(StockRow).where(artichokes).values(quantity=before))


async def cancel_before_cooking(harness: Harness) -> str:
    order_id = await harness.desk.confirmed()
    response = await harness.desk.post(f"/orders/{order_id}/cancel", "customer")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CANCELLED"
    # Both modes answer once compensation has run: the refund and release are in.
    answered = {entry["type"] for entry in response.json()["timeline"]}
    assert {"PaymentRefunded", "InventoryReleased"} <= answered
    return order_id


async def kitchen_sla_breached(harness: Harness) -> str:
    desk = harness.desk
    order_id = await desk.confirmed()
    await settle(desk, order_id, [*TO_CONFIRMED, *CONFIRMATION, *DELAY])
    for path, role in STAFF_STEPS:
        response = await desk.post(path.format(id=order_id), role)
        assert response.status_code == 200, response.text
    return order_id


@dataclass(frozen=True)
class Scenario:
    """How to drive an order, where it ends, and which events it leaves."""

    drive: Callable[[Harness], Awaitable[str]]
    status: str
    events: list[str]
    settings: dict[str, Any] = field(default_factory=dict)


SCENARIOS = {
    "happy path": Scenario(deliver, "DELIVERED", DELIVERED),
    "payment declined": Scenario(
        payment_declined,
        "REJECTED",
        ["OrderPlaced", "InventoryReserved", "PaymentFailed", *REJECTION, "InventoryReleased"],
    ),
    "kitchen down past its bound": Scenario(
        kitchen_down,
        "REJECTED",
        [
            "OrderPlaced",
            "InventoryReserved",
            "PaymentProcessed",
            *REJECTION,
            "PaymentRefunded",
            "InventoryReleased",
        ],
    ),
    "payments down past its bound": Scenario(
        payments_down,
        "REJECTED",
        ["OrderPlaced", "InventoryReserved", "PaymentFailed", *REJECTION, "InventoryReleased"],
    ),
    "out of stock": Scenario(
        out_of_stock, "REJECTED", ["OrderPlaced", "InventoryReservationFailed", *REJECTION]
    ),
    "cancel before cooking": Scenario(
        cancel_before_cooking,
        "CANCELLED",
        [
            *TO_CONFIRMED,
            *CONFIRMATION,
            "OrderCancelled",
            "PaymentRefunded",
            "InventoryReleased",
            "NotificationSent:cancellation/sms",
            "NotificationSent:cancellation/email",
        ],
    ),
    "sms down": Scenario(sms_down_once, "DELIVERED", DELIVERED),
    "kitchen sla breached": Scenario(
        kitchen_sla_breached, "DELIVERED", [*DELIVERED, *DELAY], {"cooking_sla_seconds": 1.0}
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_both_modes_end_alike(
    name, stack_settings, stack_engine, stack_worker, tmp_path
) -> None:
    scenario = SCENARIOS[name]
    outcomes = {}
    async with orchestration(stack_settings, stack_engine, **scenario.settings) as harness:
        outcomes["orchestration"] = await outcome(
            harness, await scenario.drive(harness), scenario.events
        )
    async with choreography(tmp_path, **scenario.settings) as harness:
        outcomes["choreography"] = await outcome(
            harness, await scenario.drive(harness), scenario.events
        )

    saga, choreo = outcomes["orchestration"], outcomes["choreography"]
    assert saga.status == choreo.status == scenario.status
    assert saga.spine == choreo.spine
    assert causal_violations(saga.labels) == []
    assert causal_violations(choreo.labels) == []
    assert saga.rows == choreo.rows
