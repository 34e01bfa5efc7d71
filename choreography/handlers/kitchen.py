"""The kitchen's reactions: its tickets follow the order (cooking, ready); an undone order's
ticket comes off the queue."""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.events import OrderCancelled, OrderCookingStarted, OrderReady, OrderRejected
from services.messages import CancelTicket

TICKET_STATUS_AFTER = {"OrderCookingStarted": "cooking", "OrderReady": "ready"}


async def move_ticket(delivery: Delivery[OrderCookingStarted | OrderReady], deps: Deps) -> Change:
    """Move the order's ticket on with the order (forward only; a cancelled one stays so)."""
    moved = delivery.event
    await deps.services.kitchen.set_status(moved.order_id, TICKET_STATUS_AFTER[moved.type])
    return NOTHING


async def cancel_ticket(delivery: Delivery[OrderCancelled | OrderRejected], deps: Deps) -> Change:
    """Compensation: cancel the order's kitchen ticket (no event: the saga records none either)."""
    cancelled = delivery.event
    if isinstance(cancelled, OrderRejected) and not await deps.happened(
        cancelled.order_id, "PaymentProcessed"
    ):
        return NOTHING  # rejected before payment: as in the saga, the kitchen was never asked
    request = CancelTicket(
        order_id=cancelled.order_id, idempotency_key=deps.key(cancelled, "cancel-kitchen-ticket")
    )
    await deps.services.kitchen.cancel_ticket(request)
    return NOTHING
