"""The inventory service's reactions: reserve for a placed order, release for an ended one."""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.errors import OutOfStock
from domain.events import (
    DomainEvent,
    InventoryLow,
    InventoryReleased,
    InventoryReservationFailed,
    InventoryReserved,
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    PaymentFailed,
)
from services.messages import ReleaseStock, ReserveStock

Undone = InventoryReservationFailed | PaymentFailed | OrderRejected | OrderCancelled


async def reserve_stock(delivery: Delivery[OrderPlaced], deps: Deps) -> Change:
    """Set the ingredients aside, or announce that there are not enough."""
    placed = delivery.event
    request = ReserveStock(
        order_id=placed.order_id,
        idempotency_key=deps.key(placed, "reserve-inventory"),
        items=placed.items,
    )
    try:
        reserved = await deps.services.inventory.reserve(request)
    except OutOfStock as shortage:
        failed = deps.caused(InventoryReservationFailed, placed, "reserve", reason=str(shortage))
        return Change(events=(failed,))
    if not reserved.ingredients:
        return NOTHING  # a cancellation released this order before it was reserved
    events: list[DomainEvent] = [
        deps.caused(InventoryReserved, placed, "reserve", ingredients=reserved.ingredients)
    ]
    for low in reserved.low:
        step = f"low/{low.ingredient}"
        events.append(deps.caused(InventoryLow, placed, step, **low.model_dump()))
    return Change(events=tuple(events))


async def release_stock(delivery: Delivery[Undone], deps: Deps) -> Change:
    """Compensation: give the reservation back (a release before any reservation blocks it).

    It answers every way an order can fail after inventory was asked, as the
    saga's undo registered before the reservation does: a failed reservation
    (nothing to give back, but it blocks a late one), a failed payment, a cancel.
    """
    ended = delivery.event
    request = ReleaseStock(
        order_id=ended.order_id, idempotency_key=deps.key(ended, "release-inventory")
    )
    released = await deps.services.inventory.release(request)
    if not released.ingredients:
        return NOTHING
    event = deps.caused(InventoryReleased, ended, "release", ingredients=released.ingredients)
    return Change(events=(event,))
