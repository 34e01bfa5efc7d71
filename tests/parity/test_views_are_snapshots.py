"""One view is one snapshot, in both modes: its status and its timeline are of the same moment.

A client polls an order as fast as it can while staff drive it to DELIVERED;
no view it sees, and no command's answer, may show a status its own timeline
contradicts (DELIVERED without OrderDelivered, READY after OrderDelivered),
and each command's answer holds the event that command caused.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from tests.parity.harness import Harness, choreography, orchestration

STATUS_AFTER = {
    "OrderPlaced": "PLACED",
    "OrderConfirmed": "CONFIRMED",
    "OrderCookingStarted": "COOKING",
    "OrderReady": "READY",
    "OrderOutForDelivery": "OUT_FOR_DELIVERY",
    "OrderDelivered": "DELIVERED",
    "OrderCancelled": "CANCELLED",
    "OrderRejected": "REJECTED",
}
ORDERS = 8
STEPS = (
    ("/kitchen/orders/{id}/start", "kitchen", "OrderCookingStarted"),
    ("/kitchen/orders/{id}/ready", "kitchen", "OrderReady"),
    ("/delivery/orders/{id}/pickup", "driver", "OrderOutForDelivery"),
    ("/delivery/orders/{id}/delivered", "driver", "OrderDelivered"),
)


def contradiction(view: dict[str, Any]) -> str | None:
    """What is wrong with a view whose status is not the one its last status event implies."""
    moves = [e["type"] for e in view["timeline"] if e["type"] in STATUS_AFTER]
    implied = STATUS_AFTER[moves[-1]] if moves else "PLACED"
    if implied == view["status"]:
        return None
    return f"status {view['status']} with timeline ending {moves[-3:]}"


async def poll(harness: Harness, order_id: str, stop: asyncio.Event) -> list[dict[str, Any]]:
    seen = []
    while not stop.is_set():
        seen.append(await harness.desk.get(order_id))
        await asyncio.sleep(0)
    return seen


async def deliver_while_polled(harness: Harness) -> tuple[list[dict[str, Any]], list[str]]:
    """Drive an order to DELIVERED under a fast poller; every view seen and what was wrong."""
    order_id = await harness.desk.confirmed()
    stop = asyncio.Event()
    poller = asyncio.create_task(poll(harness, order_id, stop))
    problems = []
    for path, role, caused in STEPS:
        answer = await harness.desk.post(path.format(id=order_id), role)
        assert answer.status_code == 200, answer.text
        if caused not in {e["type"] for e in answer.json()["timeline"]}:
            problems.append(f"{path} answered without {caused}")
    stop.set()
    views = await poller
    problems += [wrong for view in views if (wrong := contradiction(view))]
    return views, problems


Mode = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture(params=["orchestration", "choreography"])
async def harness(
    request: pytest.FixtureRequest, stack_settings, stack_engine, stack_worker, tmp_path
) -> AsyncIterator[Harness]:
    mode: AbstractAsyncContextManager[Harness]
    if request.param == "orchestration":
        mode = orchestration(stack_settings, stack_engine)
    else:
        mode = choreography(tmp_path)
    async with mode as running:
        yield running


async def test_a_fast_poller_never_sees_a_view_contradict_itself(harness: Harness) -> None:
    runs = await asyncio.gather(*(deliver_while_polled(harness) for _ in range(ORDERS)))

    views = [view for seen, _ in runs for view in seen]
    problems = [problem for _, found in runs for problem in found]
    assert len(views) > ORDERS
    assert problems == [], f"{len(problems)} of {len(views)} views or answers: {problems[:5]}"


async def test_a_cancel_answer_shows_the_undo_it_waited_for(harness: Harness) -> None:
    order_id = await harness.desk.confirmed()

    answer = await harness.desk.post(f"/orders/{order_id}/cancel", "customer")

    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert contradiction(view) is None
    assert {"OrderCancelled", "PaymentRefunded", "InventoryReleased"} <= {
        e["type"] for e in view["timeline"]
    }
    assert {"refund_payment", "release_inventory"} <= {c["step"] for c in view["compensations"]}


async def test_repeating_an_idempotency_key_shows_the_order_as_it_is_now(
    harness: Harness,
) -> None:
    order_id = (await harness.desk.place(key="same-key", customer_id="cust-42"))["order_id"]
    await harness.desk.wait_for(order_id, "CONFIRMED")

    again = await harness.desk.place(key="same-key", customer_id="cust-42")

    assert again["order_id"] == order_id
    assert again["status"] == "CONFIRMED"
    assert "OrderConfirmed" in {e["type"] for e in again["timeline"]}
