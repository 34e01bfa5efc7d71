"""The order service's reactions: confirm a paid order, reject one that cannot be made or paid.

Confirming opens the kitchen ticket first, as the saga does, so OrderConfirmed
carries the ticket id; a kitchen that still cannot take the order on the last
delivery rejects it, with the saga's reason, and the compensating services
undo it on OrderRejected. An order that moved on meanwhile (cancelled) is left
alone: the compensating services react to its OrderCancelled instead.
"""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery, move
from domain.events import (
    InventoryReservationFailed,
    OrderConfirmed,
    OrderRejected,
    PaymentFailed,
    PaymentProcessed,
)
from domain.order import OrderStatus
from services.messages import OpenTicket

S = OrderStatus


async def confirm_paid_order(delivery: Delivery[PaymentProcessed], deps: Deps) -> Change:
    """Paid: open the kitchen ticket and confirm the order."""
    paid = delivery.event
    stored = await deps.load(paid.order_id)
    if stored.status is not S.PLACED:
        return NOTHING
    request = OpenTicket(
        order_id=paid.order_id,
        idempotency_key=deps.key(paid, "open-kitchen-ticket"),
        items=stored.order.items,
    )
    try:
        ticket = await deps.services.kitchen.open_ticket(request)
    except Exception as failure:  # as the saga's step: any failure past the bound refuses
        if not delivery.final:
            raise
        reason = f"the kitchen could not take the order: {failure}"
        return move(
            stored,
            S.REJECTED,
            deps.caused(OrderRejected, paid, "reject", reason=reason),
            deps.clock(),
        )
    confirmed = deps.caused(
        OrderConfirmed, paid, "confirm", ticket_id=ticket.ticket_id, total=stored.order.total
    )
    return move(stored, S.CONFIRMED, confirmed, deps.clock(), ticket_id=ticket.ticket_id)


async def reject_unstocked_order(
    delivery: Delivery[InventoryReservationFailed], deps: Deps
) -> Change:
    """Out of stock: the order is rejected."""
    return await _reject(delivery.event, delivery.event.reason, deps)


async def reject_unpaid_order(delivery: Delivery[PaymentFailed], deps: Deps) -> Change:
    """Payment failed: the order is rejected; inventory and payments undo on OrderRejected."""
    return await _reject(delivery.event, delivery.event.reason, deps)


async def _reject(
    cause: InventoryReservationFailed | PaymentFailed, reason: str, deps: Deps
) -> Change:
    stored = await deps.load(cause.order_id)
    if stored.status is not S.PLACED:
        return NOTHING
    rejected = deps.caused(OrderRejected, cause, "reject", reason=reason)
    return move(stored, S.REJECTED, rejected, deps.clock())
