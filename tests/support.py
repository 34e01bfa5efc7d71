"""Helpers shared by the Temporal test suites: orders to place and polling for a status."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.converter import DataConverter

from domain.commands import MarkDelivered, MarkReady, PickUp, PlaceOrder, StartCooking
from domain.order import Customer, OrderItem, OrderStatus
from infra.settings import Settings
from infra.temporal import data_converter
from workflows.contracts import OrderState
from workflows.names import (
    QUERY_STATE,
    SEARCH_ATTRIBUTES,
    UPDATE_MARK_DELIVERED,
    UPDATE_MARK_READY,
    UPDATE_PICK_UP,
    UPDATE_START_COOKING,
)

# Fixed test keys: the replay histories recorded under them must stay readable, so never
# change one; add another. Real deployments set PIZZERIA_CODEC_KEYS of their own.
TEST_CODEC_KEY = "tests-a:N1RQRc/VfQ0g3CCkEoJZYAaKehOZUEfuHP17Fy3m/1Y="
ROTATED_CODEC_KEY = "tests-b:n2HaeLVh9Uu24jkar/AJdm4XTq004bfeJGs6U9lVsrs="

CUSTOMER = Customer(
    id="cust-42", name="Ada Lovelace", phone="+39 055 123 4567", email="ada@example.com"
)


def place_order(order_id: str, quantity: int = 2, pizza: str = "margherita") -> PlaceOrder:
    """A valid order: ``quantity`` large pizzas for Ada."""
    return PlaceOrder(
        order_id=order_id,
        customer=CUSTOMER,
        items=[OrderItem(pizza=pizza, size="large", quantity=quantity)],
        delivery_address="Via dei Calzaiuoli 7, Firenze",
    )


def encrypted_converter(*keys: str) -> DataConverter:
    """The one factory's data converter with fixed keys (``TEST_CODEC_KEY`` by default)."""
    return data_converter(Settings(_env_file=None, codec_keys=list(keys or [TEST_CODEC_KEY])))


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    """Register the order search attributes on a server that does not know them yet."""
    kinds = {
        "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "DOUBLE": IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
        "INT": IndexedValueType.INDEXED_VALUE_TYPE_INT,
        "BOOL": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    }
    wanted = {key.name: kinds[key.indexed_value_type.name] for key in SEARCH_ATTRIBUTES}
    request = AddSearchAttributesRequest(namespace=namespace, search_attributes=wanted)
    await client.operator_service.add_search_attributes(request)


async def wait_for_state(
    handle: WorkflowHandle[Any, Any],
    done: Callable[[OrderState], bool],
    advance_time: Callable[[], Awaitable[None]] | None = None,
    attempts: int = 200,
) -> OrderState:
    """Query until ``done(state)``; between tries let (possibly skipped) time pass."""
    state = await handle.query(QUERY_STATE, result_type=OrderState)
    for _ in range(attempts):
        if done(state):
            return state
        await (advance_time() if advance_time else asyncio.sleep(0.05))
        state = await handle.query(QUERY_STATE, result_type=OrderState)
    raise AssertionError(f"order never reached the expected state; last seen {state}")


def status_is(*statuses: OrderStatus) -> Callable[[OrderState], bool]:
    """A ``done`` predicate for ``wait_for_state``."""
    return lambda state: state.status in statuses


async def settled_history_length(handle: WorkflowHandle[Any, Any], polls: int = 3) -> int:
    """The history length once it stops growing (background steps have landed)."""
    length, unchanged = -1, 0
    while unchanged < polls:
        await asyncio.sleep(0.05)
        current = len((await handle.fetch_history()).events)
        unchanged = unchanged + 1 if current == length else 0
        length = current
    return length


async def drive_to_delivered(
    handle: WorkflowHandle[Any, Any], order_id: str, start: bool = True
) -> None:
    """Play kitchen and driver: start (unless it has started), ready, pick up, delivered."""
    moves: list[tuple[str, Any]] = [
        (UPDATE_START_COOKING, StartCooking(order_id=order_id)),
        (UPDATE_MARK_READY, MarkReady(order_id=order_id)),
        (UPDATE_PICK_UP, PickUp(order_id=order_id, driver_id="driver-7")),
        (UPDATE_MARK_DELIVERED, MarkDelivered(order_id=order_id)),
    ]
    for update, command in moves if start else moves[1:]:
        await handle.execute_update(update, command, result_type=OrderState)
