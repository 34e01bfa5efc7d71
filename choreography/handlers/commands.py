"""Command handlers: exactly one per command; each loads the order, decides, returns a Change.

They run wherever the command arrives (the API process). A refused move raises
``IllegalTransition`` before anything is written.
"""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, StoredOrder, move
from domain.commands import CancelOrder, MarkDelivered, MarkReady, PickUp, PlaceOrder, StartCooking
from domain.errors import IllegalTransition
from domain.events import (
    DomainEvent,
    Event,
    OrderCancelled,
    OrderCookingStarted,
    OrderDelivered,
    OrderOutForDelivery,
    OrderPlaced,
    OrderReady,
    placed_fields,
)
from domain.order import TERMINAL, Order, OrderStatus, reached
from workflows.names import STATUS_AFTER_EVENT

S = OrderStatus


class OrderClosed(Exception):
    """The order has ended and takes no more events."""


async def place_order(command: PlaceOrder, deps: Deps) -> Change:
    """Store the new order and announce it; placing the same order id again changes nothing."""
    order = Order(
        order_id=command.order_id,
        customer=command.customer,
        items=command.items,
        delivery_address=command.delivery_address,
    )
    placed = deps.stamped(OrderPlaced, order.order_id, "placed", **placed_fields(order))
    return Change(events=(placed,), order=StoredOrder(order=order, slas=deps.slas))


async def cancel_order(command: CancelOrder, deps: Deps) -> Change:
    """Cancel before cooking; the compensating services react to OrderCancelled."""
    stored = await deps.load(command.order_id)
    if stored.status is S.CANCELLED:
        return NOTHING  # cancelled already: the caller gets the same outcome
    cancelled = deps.fresh(
        OrderCancelled,
        command.order_id,
        reason=command.reason,
        cancelled_by=command.requested_by,
    )
    return move(stored, S.CANCELLED, cancelled, deps.clock())


async def start_cooking(command: StartCooking, deps: Deps) -> Change:
    """The kitchen starts cooking a confirmed order."""
    return await _advance(command.order_id, S.COOKING, OrderCookingStarted, deps)


async def mark_ready(command: MarkReady, deps: Deps) -> Change:
    """The pizzas are ready."""
    return await _advance(command.order_id, S.READY, OrderReady, deps)


async def pick_up(command: PickUp, deps: Deps) -> Change:
    """A driver takes the order."""
    stored = await deps.load(command.order_id)
    event = deps.fresh(OrderOutForDelivery, command.order_id, driver_id=command.driver_id)
    return move(stored, S.OUT_FOR_DELIVERY, event, deps.clock())


async def mark_delivered(command: MarkDelivered, deps: Deps) -> Change:
    """The customer has the pizzas."""
    return await _advance(command.order_id, S.DELIVERED, OrderDelivered, deps)


async def apply_reported_event(event: Event, deps: Deps) -> Change:
    """A kitchen or driver event from outside (POST /events); repeats and bad moves do nothing."""
    stored = await deps.load(event.order_id)
    if stored.status in TERMINAL:
        raise OrderClosed(f"order '{event.order_id}' is {stored.status} and takes no more changes")
    target = STATUS_AFTER_EVENT.get(event.type)
    if target is None or reached(stored.status, S(target)):
        return NOTHING
    try:
        return move(stored, S(target), event, deps.clock())
    except IllegalTransition:
        return NOTHING  # the saga ignores impossible reported moves too


async def _advance(
    order_id: str, target: OrderStatus, cls: type[DomainEvent], deps: Deps
) -> Change:
    stored = await deps.load(order_id)
    return move(stored, target, deps.fresh(cls, order_id), deps.clock())
