"""The kitchen's reaction: a cancelled or rejected order comes off the queue."""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.events import OrderCancelled, OrderRejected
from services.messages import CancelTicket


async def cancel_ticket(delivery: Delivery[OrderCancelled | OrderRejected], deps: Deps) -> Change:
    """Compensation: cancel the order's kitchen ticket (no event: the saga records none either)."""
    cancelled = delivery.event
    if isinstance(cancelled, OrderRejected) and not await _kitchen_was_asked(cancelled, deps):
        return NOTHING
    request = CancelTicket(
        order_id=cancelled.order_id, idempotency_key=deps.key(cancelled, "cancel-kitchen-ticket")
    )
    await deps.services.kitchen.cancel_ticket(request)
    return NOTHING


async def _kitchen_was_asked(rejected: OrderRejected, deps: Deps) -> bool:
    """A rejection before payment never reached the kitchen: the saga has no ticket undo then."""
    return "PaymentProcessed" in await deps.store.event_types(rejected.order_id)
