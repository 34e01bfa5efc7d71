"""The load generator: one coroutine per order in flight, one shared HTTP client.

An order through the API is placed, polled until it settles, then walked by the
kitchen and the driver as soon as each step is allowed; the baseline order is
started with the Temporal client and walked the same way with the same polling
schedule, so the two differ only in what runs behind them.
"""

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from temporalio.client import Client

from benchmarks.baseline import (
    BASELINE_TASK_QUEUE,
    BASELINE_WORKFLOW,
    UPDATES,
    BaselineState,
    Step,
    initial_search_attributes,
)
from workflows.names import SA_ORDER_STATUS, workflow_id

ORDER_TIMEOUT_SECONDS = 120.0
FIRST_POLL_SECONDS = 0.02
LONGEST_POLL_SECONDS = 0.1
# Terminal states too: an order that is already over must not be polled until the timeout.
SETTLED = frozenset({"CONFIRMED", "REJECTED", "CANCELLED", "DELIVERED"})
# What a status read that got no answer counts as: a client polling a read simply asks again.
UNANSWERED = "UNANSWERED"
WAIT_CONFIRMED = {"wait_for": "CONFIRMED", "timeout": "30"}
CUSTOMER = {"Authorization": "Bearer dev-customer-token"}
KITCHEN = {"Authorization": "Bearer dev-kitchen-token"}
DRIVER = {"Authorization": "Bearer dev-driver-token"}
ADMIN = {"Authorization": "Bearer dev-admin-token"}
STAFF_STEPS = (
    ("/kitchen/orders/{}/start", KITCHEN),
    ("/kitchen/orders/{}/ready", KITCHEN),
    ("/delivery/orders/{}/pickup", DRIVER),
    ("/delivery/orders/{}/delivered", DRIVER),
)
ORDER_BODY = {
    "customer": {"id": "cust-42", "name": "Luigi", "phone": "+39 055 123 4567", "email": "l@ex.it"},
    "items": [{"pizza": "margherita", "size": "medium", "quantity": 1}],
    "delivery_address": "Via Roma 1, Firenze",
}


class OrderStuck(Exception):
    """An order did not settle within ORDER_TIMEOUT_SECONDS."""


@dataclass(frozen=True)
class OrderTiming:
    """One order as the load generator saw it."""

    workflow_id: str
    status: str
    place_seconds: float
    end_to_end_seconds: float
    status_polls: int


@dataclass(frozen=True)
class Target:
    """Where orders go: the API's base URL, a shared HTTP client and a Temporal client."""

    http: httpx.AsyncClient
    temporal: Client
    run_id: str


OrderDriver = Callable[[Target, int], Awaitable[OrderTiming]]


async def poll_until(
    read_status: Callable[[], Awaitable[str]], wanted: frozenset[str]
) -> tuple[str, int]:
    """Read the status on a short, growing interval until it is in ``wanted``; bounded.

    Returns the status and how many reads it took.
    """
    deadline = time.monotonic() + ORDER_TIMEOUT_SECONDS
    pause, reads = FIRST_POLL_SECONDS, 1
    while (status := await read_status()) not in wanted:
        if time.monotonic() > deadline:
            raise OrderStuck(f"still {status} after {ORDER_TIMEOUT_SECONDS:g}s")
        await asyncio.sleep(pause)
        pause, reads = min(pause * 1.5, LONGEST_POLL_SECONDS), reads + 1
    return status, reads


async def api_order(target: Target, index: int) -> OrderTiming:
    """POST /orders, wait until settled, then start, ready, pickup and delivered via the API."""
    http, started = target.http, time.perf_counter()
    key = {"Idempotency-Key": f"bench-{target.run_id}-{index}"}
    placed = await http.post("/orders", json=ORDER_BODY, headers=CUSTOMER | key)
    place_seconds = time.perf_counter() - started
    placed.raise_for_status()
    order_id = str(placed.json()["order_id"])

    async def read_status() -> str:
        try:
            # The API answers once the order is CONFIRMED or has ended: one wait, not a poll loop.
            answer = await http.get(f"/orders/{order_id}", params=WAIT_CONFIRMED, headers=CUSTOMER)
        except httpx.TransportError:
            return UNANSWERED
        if answer.status_code == httpx.codes.SERVICE_UNAVAILABLE:
            return UNANSWERED  # the API could not ask the workflow in time: ask again
        answer.raise_for_status()
        return str(answer.json()["status"])

    status, polls = await poll_until(read_status, SETTLED)
    if status == "CONFIRMED":
        for path, token in STAFF_STEPS:
            (await http.post(path.format(order_id), headers=token)).raise_for_status()
        status = "DELIVERED"
    elapsed = time.perf_counter() - started
    return OrderTiming(workflow_id(order_id), status, place_seconds, elapsed, polls)


async def saga_order_until_closed(target: Target, index: int) -> OrderTiming:
    """Like ``api_order``, but a refused order ends only when its compensation has run."""
    timing = await api_order(target, index)
    if timing.status == "DELIVERED":
        return timing
    started = time.perf_counter() - timing.end_to_end_seconds
    handle = target.temporal.get_workflow_handle(timing.workflow_id)
    await asyncio.wait_for(handle.result(), ORDER_TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - started
    return dataclasses.replace(timing, end_to_end_seconds=elapsed)


async def baseline_order(target: Target, index: int) -> OrderTiming:
    """Start the bare workflow, poll its ``OrderStatus`` until confirmed, then send the updates.

    The status is read with a describe call (the server's copy of the search attributes),
    not a query: the saga's clients read the read model and never query its workflow.
    """
    started, order_id = time.perf_counter(), f"bench-{target.run_id}-{index}"
    handle = await target.temporal.start_workflow(
        BASELINE_WORKFLOW,
        order_id,
        id=order_id,
        task_queue=BASELINE_TASK_QUEUE,
        search_attributes=initial_search_attributes(),
    )
    place_seconds = time.perf_counter() - started

    async def read_status() -> str:
        described = await handle.describe()
        return described.typed_search_attributes.get(SA_ORDER_STATUS) or "PLACED"

    _, polls = await poll_until(read_status, frozenset({"CONFIRMED"}))
    status = ""
    for name in UPDATES:
        step = Step(order_id=order_id, name=name)
        status = (await handle.execute_update("advance", step, result_type=BaselineState)).status
    elapsed = time.perf_counter() - started
    return OrderTiming(order_id, status, place_seconds, elapsed, polls)
