"""Drive and watch a choreographed order straight on the bus (crash and cluster specs)."""

from collections import Counter
from typing import Any

from domain.commands import MarkDelivered, MarkReady, PickUp, StartCooking
from domain.order import OrderStatus


async def order_is(bus: Any, order_id: str, status: OrderStatus) -> bool:
    """Whether the choreography's own order row is at ``status``."""
    stored = await bus.deps.store.order(order_id)
    return stored is not None and stored.status is status


async def walk_to_delivered(bus: Any, order_id: str) -> None:
    """Kitchen and driver commands, in order, for a CONFIRMED order."""
    for command in (StartCooking, MarkReady, PickUp, MarkDelivered):
        await bus.execute(command(order_id=order_id))


async def settled(bus: Any, order_id: str) -> bool:
    """Every text sent and the read model's timeline holding every event the order emitted."""
    types = Counter(await bus.deps.store.event_types(order_id))
    view = await bus.deps.services.orders.get(order_id)
    return (
        types["NotificationSent"] == 3
        and view is not None
        and len(view.timeline) == sum(types.values())
    )
